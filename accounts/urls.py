"""Routes of the accounts app: token login."""

from django.urls import path

from accounts.views import PasswordLoginView

urlpatterns = [path("password/", PasswordLoginView.as_view(), name="auth-password")]
