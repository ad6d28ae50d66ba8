from django.urls import path

from probatio.merges import views

app_name = "merges"
urlpatterns = [
    path("<int:pk>/fusionner/", views.choose, name="choose"),
    path("<int:pk>/fusionner/<int:other>/", views.compare, name="compare"),
    path("<int:pk>/fusionner/<int:other>/confirmer/", views.confirm, name="confirm"),
]
