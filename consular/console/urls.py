from django.urls import path

from consular.console import call_views, case_views, dashboard_views, views

app_name = "console"

urlpatterns = [
    path("", views.home, name="home"),
    path("audit/", views.audit, name="audit"),
    path("cases/", case_views.queue, name="queue"),
    path("cases/<uuid:case_id>/", case_views.detail, name="case"),
    path("cases/<uuid:case_id>/transition/", case_views.transition, name="case_transition"),
    path("cases/<uuid:case_id>/assign/", case_views.assign, name="case_assign"),
    path("cases/<uuid:case_id>/transfer/", case_views.transfer, name="case_transfer"),
    path("cases/<uuid:case_id>/note/", case_views.note, name="case_note"),
    path("cases/<uuid:case_id>/merge/", case_views.merge, name="case_merge"),
    path("cases/<uuid:case_id>/tasks/<int:task_id>/done/", case_views.task_done, name="case_task_done"),
    path("calls/", call_views.call_list, name="calls"),
    path("calls/new/", call_views.call_new, name="call_new"),
    path("calls/history/", call_views.call_history, name="call_history"),
    path("calls/places/", call_views.call_places, name="call_places"),
    path("dashboard/", dashboard_views.dashboard, name="dashboard"),
]
