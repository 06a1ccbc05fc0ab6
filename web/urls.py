"""The three HTML pages (everything they show comes from the public API) and the site icon."""

from django.urls import path

from web import views

urlpatterns = [
    path("", views.chat_page, name="web-chat"),
    path("public/", views.public_page, name="web-public"),
    path("staff/", views.staff_page, name="web-staff"),
    path("favicon.ico", views.favicon, name="web-favicon"),
]
