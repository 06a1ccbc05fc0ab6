"""Routes of the staff analytics (`/api/anonymous-chat-interactions/`, `-feedbacks/`)."""

from anonymous_chat.analytics_views import router

urlpatterns = router.urls
