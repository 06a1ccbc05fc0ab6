"""Routes of the signed-in chat API (all paths end with a slash)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from chat import admin_views, views

router = SimpleRouter(trailing_slash=True)
router.register("chat-sessions", views.ChatSessionViewSet, basename="chat-session")
router.register("chat-threads", views.ThreadViewSet, basename="chat-thread")
router.register("chat-messages", views.MessageViewSet, basename="chat-message")
router.register("chat-quota", admin_views.ChatQuotaViewSet, basename="chat-quota")
router.register(
    "chat-system-prompts", admin_views.SystemPromptViewSet, basename="chat-system-prompt"
)

urlpatterns = [
    path("ready/", views.ReadinessView.as_view(), name="ready"),
    path("chat/stream/", views.ChatStreamView.as_view(), name="chat-stream"),
    path("chat-tools/execute/", views.ToolExecuteView.as_view(), name="chat-tools-execute"),
    *router.urls,
]
