"""Placeholder while these pages are written."""

app_name = "partners"

urlpatterns: list = []
