from django.conf import settings
from django.urls import path

from consular.api.v1 import cases, names, views

app_name = "v1"

urlpatterns = [
    path("health", views.HealthView.as_view(), name="health"),
    path("countries", views.CountryList.as_view(), name="countries"),
    path("missions", views.MissionList.as_view(), name="missions"),
    path("missions/<str:code>", views.MissionDetail.as_view(), name="mission"),
    path("jurisdiction", views.JurisdictionView.as_view(), name="jurisdiction"),
    path("me", views.MeView.as_view(), name="me"),
    path("users", views.UserList.as_view(), name="users"),
    path("users/<str:username>", views.UserDetail.as_view(), name="user"),
    path("audit", views.AuditList.as_view(), name="audit"),
    path("cases", cases.CaseList.as_view(), name="cases"),
    path("cases/<str:case_id>", cases.CaseDetail.as_view(), name="case"),
    path("cases/<str:case_id>/transitions", cases.CaseTransition.as_view(), name="case-transitions"),
    path("cases/<str:case_id>/notes", cases.CaseNote.as_view(), name="case-notes"),
    path("cases/<str:case_id>/assign", cases.CaseAssign.as_view(), name="case-assign"),
    path("cases/<str:case_id>/transfer", cases.CaseTransfer.as_view(), name="case-transfer"),
    path("cases/<str:case_id>/merge", cases.CaseMerge.as_view(), name="case-merge"),
    path("calls", cases.CallList.as_view(), name="calls"),
    path("names/match", names.NameMatchView.as_view(), name="names-match"),
    path("stats/cases", cases.CaseStats.as_view(), name="stats-cases"),
    path("stats/calls", cases.CallStats.as_view(), name="stats-calls"),
    path("help-requests", cases.HelpRequestCreate.as_view(), name="help-requests"),
    path("help-requests/<str:reference>", cases.HelpRequestDetail.as_view(), name="help-request"),
    path("help-requests/<str:reference>/messages", cases.HelpRequestMessages.as_view(), name="help-messages"),
]

if settings.BENCH_FLOOR:
    urlpatterns.append(path("bench/floor", views.BenchFloor.as_view(), name="bench-floor"))
