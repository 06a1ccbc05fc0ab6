"""URL map: the API under /api/, token login, schema and offline docs, the admin and the
web pages (/, /public/, /staff/)."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from config import views

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api-auth/", include("accounts.urls")),
    path("api/health/", views.HealthView.as_view(), name="health"),
    path("metrics", views.metrics_view, name="metrics"),
    path("api/configuration/", views.ConfigurationView.as_view(), name="configuration"),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", views.ApiDocsView.as_view(url_name="schema"), name="docs"),
    path("api/marketplace-chat/", include("anonymous_chat.urls")),
    path("api/", include("anonymous_chat.analytics_urls")),
    path("api/", include("chat.urls")),
    path("", include("web.urls")),
]

handler400 = "config.views.bad_request"
handler404 = "config.views.not_found"
handler500 = "config.views.server_error"
