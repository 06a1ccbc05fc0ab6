"""Routes of the signed-in chat API (all paths end with a slash)."""

from rest_framework.routers import SimpleRouter

from chat import views

router = SimpleRouter(trailing_slash=True)
router.register("chat-sessions", views.ChatSessionViewSet, basename="chat-session")
router.register("chat-threads", views.ThreadViewSet, basename="chat-thread")
router.register("chat-messages", views.MessageViewSet, basename="chat-message")

urlpatterns = router.urls
