from django.urls import path

from probatio.transfers import views

app_name = "transfers"
urlpatterns = [
    path("transferts/", views.transfer_list, name="list"),
    path("transferts/<int:pk>/", views.transfer_detail, name="detail"),
    path("transferts/<int:pk>/retirer/", views.transfer_withdraw, name="withdraw"),
    path("personnes/<int:pk>/transferer/", views.transfer_propose, name="propose"),
]
