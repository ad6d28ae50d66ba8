"""The service's programme pages: catalogue, groups, sessions and their attendance."""

app_name = "programmes"

urlpatterns: list = []
