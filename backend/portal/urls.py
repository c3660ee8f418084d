from django.urls import path

from .access import feature
from .views import auth, bureau, company, me, placements, pwa, school

app_name = "portal"

urlpatterns = [
    path("", auth.home, name="home"),
    path("sw.js", pwa.service_worker, name="service-worker"),  # the web app's service worker (scope: /)
    # coordinators (学校)
    path("school/", school.dashboard, name="school-dashboard"),
    path("school/roster/", school.roster_upload, name="school-roster"),
    path("school/roster/template.<str:fmt>", school.roster_template, name="school-roster-template"),
    path("school/roster/confirm/", school.roster_confirm, name="school-roster-confirm"),
    path("school/pilots/", school.pilots, name="school-pilots"),
    path("school/pilots/<int:pk>/", school.pilot_detail, name="school-pilot"),
    path("school/programs/", school.programs, name="school-programs"),
    path("school/cohorts/", school.cohorts, name="school-cohorts"),
    path("school/students/", school.students, name="school-students"),
    path("school/students/<int:pk>/", school.student_detail, name="school-student"),
    path("school/students/class", school.students_class, name="school-students-class"),
    path("school/placements/", school.placements, name="school-placements"),
    path("school/placements/new/", placements.placement_new, name="school-placement-new"),
    path("school/placements/<int:pk>/", school.placement_detail, name="school-placement"),
    path(
        "school/placements/<int:pk>/adjust", placements.placement_adjust_page, name="school-placement-adjust"
    ),
    path(
        "school/placements/<int:pk>/activate", placements.placement_activate, name="school-placement-activate"
    ),
    path("school/placements/<int:pk>/edit", placements.placement_edit, name="school-placement-edit"),
    path("school/placements/teacher", placements.placements_teacher_bulk, name="school-placements-teacher"),
    path("school/placements/policies/", placements.policy_import, name="school-policy-import"),
    path(
        "school/placements/policies/template.<str:fmt>",
        placements.policy_template,
        name="school-policy-template",
    ),
    # enterprise HR (企业)
    path("company/", company.dashboard, name="company-dashboard"),
    path("company/profile/", company.profile, name="company-profile"),
    path("company/posts/", company.posts, name="company-posts"),
    path("company/posts/new/", company.post_edit, name="company-post-new"),
    path("company/posts/<int:pk>/", company.post_edit, name="company-post"),
    path("company/mentors/", company.mentors, name="company-mentors"),
    path("company/mentors/new/", company.mentor_edit, name="company-mentor-new"),
    path("company/mentors/<int:pk>/", company.mentor_edit, name="company-mentor"),
    path("company/placements/", company.placements, name="company-placements"),
    path("company/placements/<int:pk>/", company.placement_detail, name="company-placement"),
    # bureau (教育局), read-only
    path("bureau/", bureau.dashboard, name="bureau-dashboard"),
    path("bureau/export/<slug:name>.<str:fmt>", bureau.export, name="bureau-export"),
    # students, guardians, mentors
    path("me/", me.me, name="me"),
    path("me/placements/<int:pk>/", me.placement_detail, name="me-placement"),
    path(
        "me/placements/<int:pk>/sealed/<int:sealed_pk>.pdf",
        me.sealed_agreement_pdf,
        name="me-placement-sealed-agreement",
    ),
    path("me/notices/<int:pk>/read/", me.notice_read, name="me-notice-read"),
]

# Feature pages, present once the app that owns the feature is installed.
if feature("lifecycle"):
    from .views import lifecycle

    urlpatterns += [
        path("placements/<int:pk>/lifecycle/", lifecycle.placement_lifecycle, name="placement-lifecycle"),
        path("placements/<int:pk>/lifecycle/pause", lifecycle.pause, name="placement-pause"),
        path("placements/<int:pk>/lifecycle/resume", lifecycle.resume, name="placement-resume"),
        path("placements/<int:pk>/lifecycle/terminate", lifecycle.terminate, name="placement-terminate"),
        path(
            "placements/<int:pk>/lifecycle/terminations/<int:termination_pk>",
            lifecycle.decide,
            name="placement-termination-decide",
        ),
        path("placements/<int:pk>/lifecycle/complete", lifecycle.complete, name="placement-complete"),
        path("placements/<int:pk>/lifecycle/injury", lifecycle.injury_new, name="placement-injury"),
        path("injuries/", lifecycle.injuries, name="injuries"),
        path("injuries/<int:pk>/update", lifecycle.injury_update, name="injury-update"),
    ]
if feature("assessments"):
    from .views import assessments

    urlpatterns += [
        path("placements/<int:pk>/assessment", assessments.placement_assessment, name="placement-assessment"),
    ]

if feature("reports"):
    from .views import reports

    urlpatterns += [
        path("school/yearly-report/", reports.school_yearly_report, name="school-yearly-report"),
        path(
            "school/yearly-report/<int:pk>/<int:year>/text",
            reports.school_report_text,
            name="school-report-text",
        ),
        path(
            "school/yearly-report/<int:pk>/<int:year>/funds",
            reports.school_funds_line,
            name="school-funds-line",
        ),
        path(
            "school/yearly-report/funds/<int:pk>/delete",
            reports.school_funds_line_delete,
            name="school-funds-line-delete",
        ),
        path(
            "school/yearly-report/<int:pk>/<int:year>.<str:fmt>",
            reports.school_report_document,
            name="school-report-document",
        ),
        path("school/data-return/", reports.school_data_return, name="school-data-return"),
        path(
            "school/data-return/<str:month>.<str:fmt>",
            reports.school_data_return_export,
            name="school-data-return-export",
        ),
        path("bureau/data-return/", reports.bureau_data_return, name="bureau-data-return"),
        path(
            "bureau/data-return/<str:month>/all.<str:fmt>",
            reports.bureau_data_return_export,
            name="bureau-data-return-all",
        ),
        path(
            "bureau/data-return/<str:month>/<int:school>.<str:fmt>",
            reports.bureau_data_return_export,
            name="bureau-data-return-school",
        ),
        path("bureau/yearly-reports/", reports.bureau_yearly_reports, name="bureau-yearly-reports"),
        path(
            "bureau/yearly-reports/<int:pk>/<int:year>.<str:fmt>",
            reports.bureau_report_document,
            name="bureau-report-document",
        ),
    ]

if feature("subsidy"):
    from .views import subsidy

    urlpatterns += [
        path("school/subsidy/", subsidy.school_subsidy, name="school-subsidy"),
        path("school/subsidy/claims.<str:fmt>", subsidy.school_export, name="school-subsidy-export"),
        path("company/subsidy/", subsidy.company_subsidy, name="company-subsidy"),
        path("company/subsidy/claims.<str:fmt>", subsidy.company_export, name="company-subsidy-export"),
        path("bureau/subsidy/", subsidy.bureau_subsidy, name="bureau-subsidy"),
        path("bureau/subsidy/claims.<str:fmt>", subsidy.bureau_export, name="bureau-subsidy-export"),
        path("bureau/subsidy/<int:pk>/approve", subsidy.bureau_claim_approve, name="bureau-claim-approve"),
        path("bureau/subsidy/pay", subsidy.bureau_claims_pay, name="bureau-claims-pay"),
        path("bureau/subsidy/budget", subsidy.bureau_budget_set, name="bureau-budget-set"),
    ]

if feature("signing"):
    from .views import signatory, signing

    urlpatterns += [
        # the named signatory and the seal image the signing page and the sealed PDF use
        path("company/signatory/", signatory.company_signatory, name="company-signatory"),
        path("company/seal.png", signatory.company_seal, name="company-seal"),
        path("school/signatory/", signatory.school_signatory, name="school-signatory"),
        path("school/seal.png", signatory.school_seal, name="school-seal"),
    ]

    urlpatterns += [
        # the link sent by SMS: /sign/<request id>/<token> (backend.signing.services.link_url)
        path("sign/<int:request_id>/<str:token>", signing.link_page, name="sign-link"),
        path("sign/<int:request_id>/<str:token>/code", signing.link_code, name="sign-link-code"),
        path("sign/<int:request_id>/<str:token>/sign", signing.link_sign, name="sign-link-sign"),
        path("sign/<int:request_id>/<str:token>/decline", signing.link_decline, name="sign-link-decline"),
        path(
            "sign/<int:request_id>/<str:token>/page-<int:number>.png", signing.link_png, name="sign-link-page"
        ),
        # HR and coordinators: the inbox of requests awaiting their organisation, and each request's page
        path("signing/requests/", signing.inbox, name="signing-inbox"),
        path("signing/envelopes/<int:pk>", signing.envelope_page, name="signing-envelope"),
        path("signing/requests/<int:pk>", signing.account_page, name="sign-account"),
        path("signing/requests/<int:pk>/code", signing.account_code, name="sign-account-code"),
        path("signing/requests/<int:pk>/sign", signing.account_sign, name="sign-account-sign"),
        path("signing/requests/<int:pk>/decline", signing.account_decline, name="sign-account-decline"),
        path(
            "signing/requests/<int:pk>/page-<int:number>.png", signing.account_png, name="sign-account-page"
        ),
    ]

if feature("agreements"):
    from .views import agreements

    urlpatterns += [
        path("school/agreements/", agreements.school_agreements, name="school-agreements"),
        path("school/agreements/batches/new", agreements.batch_create, name="school-agreement-batch-new"),
        path("school/agreements/batches/<int:pk>/", agreements.batch_detail, name="school-agreement-batch"),
        path(
            "school/agreements/batches/<int:pk>/rerun",
            agreements.batch_rerun,
            name="school-agreement-batch-rerun",
        ),
        path(
            "school/agreements/batches/<int:pk>/zip", agreements.batch_zip, name="school-agreement-batch-zip"
        ),
        path("school/agreements/<int:pk>/", agreements.school_agreement, name="school-agreement"),
        path("school/agreements/<int:pk>/pdf", agreements.school_agreement_pdf, name="school-agreement-pdf"),
        path(
            "school/agreements/<int:pk>/sealed",
            agreements.school_agreement_sealed,
            name="school-agreement-sealed",
        ),
        path(
            "school/agreements/<int:pk>/send", agreements.school_agreement_send, name="school-agreement-send"
        ),
        path(
            "school/agreements/<int:pk>/remind",
            agreements.school_agreement_remind,
            name="school-agreement-remind",
        ),
        path(
            "school/agreements/<int:pk>/replace",
            agreements.school_agreement_replace,
            name="school-agreement-replace",
        ),
        path("company/agreements/", agreements.company_agreements, name="company-agreements"),
        path(
            "company/agreements/<int:pk>/pdf", agreements.company_agreement_pdf, name="company-agreement-pdf"
        ),
        path(
            "company/agreements/<int:pk>/sealed",
            agreements.company_agreement_sealed,
            name="company-agreement-sealed",
        ),
    ]

if feature("rules"):
    from .views import rules

    urlpatterns += [
        path("company/shifts/", rules.company_shifts, name="company-shifts"),
        path("company/shifts/bulk/", rules.bulk_week, name="company-shift-bulk"),
        path("company/shifts/<int:pk>/", rules.week, name="company-shift-week"),
        path("company/shifts/<int:pk>/copy", rules.week_copy, name="company-shift-copy"),
        path("company/shifts/<int:pk>/attendance/", rules.attendance, name="company-attendance"),
        path("company/violations/", rules.company_violations, name="company-violations"),
        path("school/violations/", rules.school_violations, name="school-violations"),
        path("violations/<int:pk>/<slug:action>", rules.violation_action, name="violation-action"),
        path("violations/evidence/<int:pk>/", rules.proposal_evidence, name="violation-evidence"),
        path("me/shifts/", rules.my_shifts, name="me-shifts"),
        path("me/shifts/<int:pk>/attest", rules.my_shift_attest, name="me-shift-attest"),
    ]

if feature("matching"):
    from .views import matching

    urlpatterns += [
        path("school/matching/", matching.matching_home, name="school-matching"),
        path("school/matching/runs/<int:pk>/", matching.run_detail, name="school-matching-run"),
        path("school/matching/runs/<int:pk>/accept", matching.run_accept, name="school-matching-accept"),
        path(
            "school/matching/proposals/<int:pk>/adjust",
            matching.proposal_adjust_view,
            name="school-matching-adjust",
        ),
        path("school/matching/rankings/", matching.ranking_round_set_view, name="school-ranking-round"),
        path("school/matching/rankings/<int:pk>/", matching.ranking_students, name="school-ranking-students"),
        path("me/ranking/", matching.my_ranking, name="me-ranking"),
    ]

if feature("attendance"):
    from .views import attendance

    urlpatterns += [
        path("school/teachers/", attendance.school_teachers, name="school-teachers"),
        path("company/sites/", attendance.company_sites, name="company-sites"),
        path("attendance/kiosk/<int:pk>/", attendance.kiosk, name="attendance-kiosk"),
        path("attendance/kiosk/<int:pk>/code.json", attendance.kiosk_code, name="attendance-kiosk-code"),
        path("attendance/kiosk/<int:pk>/qr-<int:step>.svg", attendance.kiosk_qr, name="attendance-kiosk-qr"),
        path("attendance/placements/<int:pk>/chain/", attendance.chain_page, name="attendance-chain"),
        path(
            "attendance/placements/<int:pk>/release-device",
            attendance.device_release,
            name="attendance-release",
        ),
        path("me/clock/", attendance.clock, name="me-clock"),
        path("me/clock/<int:pk>/respond", attendance.clock_respond, name="me-clock-respond"),
        path("mentor/attendance/", attendance.mentor_day, name="mentor-attendance"),
        path("teacher/", attendance.teacher_home, name="teacher-home"),
        path("teacher/leave/", attendance.teacher_leave, name="teacher-leave"),
        path("me/requests/", attendance.my_requests, name="me-requests"),
        path("mentor/requests/", attendance.mentor_requests, name="mentor-requests"),
        path(
            "attendance/placements/<int:pk>/record.pdf",
            attendance.attendance_pdf,
            name="attendance-record-pdf",
        ),
    ]

if feature("journals"):
    from .views import journals

    urlpatterns += [
        path("me/journals/", journals.my_journals, name="me-journals"),
        path("journals/review/", journals.review, name="journals-review"),
        path("journals/visits/", journals.visits, name="journals-visits"),
        path("journals/overview/", journals.overview, name="journals-overview"),
        path("journals/pilots/<int:pk>/rule", journals.rule_set, name="journals-rule"),
        path("journals/photos/<int:pk>", journals.journal_photo, name="journal-photo"),
        path("journals/visit-photos/<int:pk>", journals.visit_photo, name="visit-photo"),
    ]

if feature("training"):
    from .views import training

    urlpatterns += [
        path("training/", training.index, name="training"),
        path("training/plans/<int:pk>/", training.plan_detail, name="training-plan"),
        path("training/plans/<int:pk>/approve", training.plan_approve, name="training-plan-approve"),
        path("training/records/<int:pk>/", training.record, name="training-record"),
        path("training/records/<int:pk>/record.pdf", training.record_pdf, name="training-record-pdf"),
        path("training/placements/<int:pk>/start", training.rotation_start, name="training-rotation-start"),
        path(
            "training/records/<int:pk>/<slug:action>", training.record_action, name="training-record-action"
        ),
        path("training/sign-offs/<int:pk>/<slug:action>", training.sign_off_action, name="training-sign-off"),
    ]

if feature("changes"):
    from .views import changes

    urlpatterns += [
        path("changes/", changes.change_list, name="changes"),
        path("changes/new/<int:placement_pk>/", changes.change_new, name="change-new"),
        path("changes/<int:pk>/", changes.change_detail, name="change"),
        path("changes/<int:pk>/approve", changes.change_approve, name="change-approve"),
        path("changes/<int:pk>/send", changes.change_send, name="change-send"),
        path("changes/<int:pk>/refuse", changes.change_refuse, name="change-refuse"),
        path("changes/<int:pk>/withdraw", changes.change_withdraw, name="change-withdraw"),
    ]

if feature("checklist"):
    from .views import checklist

    urlpatterns += [
        path("school/checklist/", checklist.index, name="checklist"),
        path("school/checklist/visits/new", checklist.visit_new, name="checklist-visit"),
        path("school/checklist/approvals/new", checklist.approval_new, name="checklist-approval"),
        path("school/checklist/documents/new", checklist.document_new, name="checklist-document"),
        path("school/checklist/<slug:kind>/new", checklist.bulk, name="checklist-bulk"),
        path("checklist/photos/<int:pk>", checklist.photo, name="checklist-photo"),
        path("checklist/documents/<int:pk>", checklist.document, name="checklist-document-file"),
        path("school/checklist/consent/send/<int:pk>", checklist.consent_send, name="checklist-consent-send"),
        path("checklist/consent-forms/<int:pk>.pdf", checklist.consent_pdf, name="checklist-consent-pdf"),
        path("me/sign/<int:request_id>", checklist.my_signing, name="me-signing"),
        path("company/checklist/", checklist.company_checklist, name="company-checklist"),
    ]
