"""Placeholder while these pages are written."""

app_name = "reintegration"

urlpatterns: list = []
