"""Public chat routes."""

from django.urls import path

from anonymous_chat import public_views

urlpatterns = [
    path("stream/", public_views.AnonymousStreamView.as_view(), name="marketplace-chat-stream"),
    path(
        "feedback/", public_views.AnonymousFeedbackView.as_view(), name="marketplace-chat-feedback"
    ),
    path(
        "transcript/",
        public_views.AnonymousTranscriptView.as_view(),
        name="marketplace-chat-transcript",
    ),
    path("click/", public_views.AnonymousClickView.as_view(), name="marketplace-chat-click"),
]
