from django.urls import path

from . import views

urlpatterns = [
    path("verify", views.verify_page, name="verify"),
    path("sign/<int:request_id>/<str:token>", views.sign_page, name="sign"),
]
