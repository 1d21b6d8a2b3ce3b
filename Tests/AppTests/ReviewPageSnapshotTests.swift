import Foundation
import Testing
import ThiDuaCore
import Vapor
@testable import App

/// The pages of reviews, one snapshot per state, from plain values.
@Suite("Review pages: the self-assessment sheet by role and state, the pledge, who pledged, changes after closing")
struct ReviewPageSnapshotTests {
    let f: SnapshotFixture
    /// 10/02/2025 09:30 in Vietnam.
    let closedAt = Date(timeIntervalSince1970: 1_739_154_600)

    init() throws { f = try SnapshotFixture() }

    var ward: UnitInfo { f.graph.units[f.wards[1]]! }

    func sheet() -> ReviewService.Sheet {
        var sheet = ReviewService.Sheet()
        let score = CriterionScore()
        score.criterionID = f.plan.criteria[0].id
        score.selfScore = 7.5
        score.selfNote = "12 buổi tuyên truyền, 1.200 lượt người nghe."
        score.selfBy = "ca.vangdanh"
        score.reviewedScore = 6
        score.reviewNote = "Thiếu biên bản 3 buổi."
        score.reviewedBy = "thuongtruc"
        sheet.scores[score.criterionID] = score
        let file = EvidenceFile()
        file.id = UUID(uuidString: "00000000-0000-4000-8000-0000000000E1")
        file.criterionID = score.criterionID
        file.kind = "jpeg"
        file.size = 204_800
        sheet.files[score.criterionID] = [file]
        let entry = AdjustmentEntry()
        entry.adjustmentID = f.plan.adjustments[1].id
        entry.points = 1.5
        entry.reason = "Vụ việc kéo dài ở khu 3."
        entry.givenBy = "thuongtruc"
        sheet.adjustments[entry.adjustmentID] = entry
        return sheet
    }

    func input(canWrite: Bool, canReview: Bool, closed: Bool = false, sent: (String, FormState)? = nil) -> AssessmentPage.Input {
        AssessmentPage.Input(plan: f.plan, phase: f.plan.phases[0], unit: ward, sheet: sheet(),
                             closed: closed ? PhaseClosing.Closed(id: UUID(), at: closedAt, by: "thuongtruc") : nil,
                             canWrite: canWrite, canReview: canReview, sent: sent)
    }

    @Test("The sheet: the commune's forms, a mistake sent back, the secretariat's forms, a closed phase")
    func assessment() async throws {
        let t = f.text()
        try await assertPageSnapshot(AssessmentPage.build(input(canWrite: true, canReview: false), page: f.chrome("Tự chấm"), text: t),
                                     template: "reviews/assessment", named: "assessment-commune")
        let action = SiteURL.assessmentAction(unit: "06811", movement: f.plan.id, phase: "dot-1", .selfScore(f.plan.criteria[1].id)).path
        let sent = FormState(values: ["score": "9", "note": ""], errorKeys: ["score": "field.range", "note": "assessment.justify"], translator: t)
        try await assertPageSnapshot(AssessmentPage.build(input(canWrite: true, canReview: false, sent: (action, sent)), page: f.chrome("Tự chấm"), text: t),
                                     template: "reviews/assessment", named: "assessment-mistakes")
        try await assertPageSnapshot(AssessmentPage.build(input(canWrite: false, canReview: true), page: f.chrome("Thẩm định", .en), text: f.text(.en)),
                                     template: "reviews/assessment", named: "assessment-secretariat-en")
        try await assertPageSnapshot(AssessmentPage.build(input(canWrite: true, canReview: true, closed: true), page: f.chrome("Tự chấm"), text: t),
                                     template: "reviews/assessment", named: "assessment-closed")
    }

    @Test("The pledge: a new one, one with mistakes, one signed after the movement ended; who pledged")
    func pledges() async throws {
        let t = f.text()
        try await assertPageSnapshot(PledgePage.build(plan: f.plan, unit: ward, pledge: nil, form: nil, open: true, canWrite: true,
                                                      page: f.chrome("Đăng ký"), text: t),
                                     template: "reviews/pledge", named: "pledge-new")
        let sent = FormState(values: ["own": "", "signer": ""], errorKeys: ["targets": "pledge.nothing", "signer": "field.required"], translator: t)
        try await assertPageSnapshot(PledgePage.build(plan: f.plan, unit: ward, pledge: nil, form: sent, open: true, canWrite: true,
                                                      page: f.chrome("Đăng ký"), text: t),
                                     template: "reviews/pledge", named: "pledge-mistakes")
        let pledge = Pledge()
        pledge.unitID = ward.id
        pledge.targets = "[\"\(f.plan.targets[0].id)\",\"\(f.plan.targets[1].id)\"]"
        pledge.ownTargets = "[\"Xây dựng 2 mô hình mới\"]"
        pledge.signer = "Nguyễn Văn A, Trưởng Công an phường"
        pledge.signedBy = "ca.vangdanh"
        pledge.signedAt = Date(timeIntervalSince1970: 1_724_050_800)
        try await assertPageSnapshot(PledgePage.build(plan: f.plan, unit: ward, pledge: pledge, form: nil, open: false, canWrite: true,
                                                      page: f.chrome("Đăng ký"), text: t),
                                     template: "reviews/pledge", named: "pledge-signed")
        let communes = f.wards.compactMap { f.graph.units[$0] }
        try await assertPageSnapshot(PledgesPage.build(plan: f.plan, communes: communes, pledges: [ward.id: pledge], page: f.chrome("Đăng ký"), text: t),
                                     template: "reviews/pledges", named: "pledges")
    }

    @Test("Changes after closing, and the reopening form with its mistake")
    func late() async throws {
        let t = f.text()
        let closed = PhaseClosing.Closed(id: UUID(), at: closedAt, by: "thuongtruc")
        let changes = [
            PhaseClosing.LateChange(what: .added, kind: "information_source", isFigure: false, commune: f.wards[1], day: "2024-11-01",
                                    at: closedAt.addingTimeInterval(3_600), recordID: UUID(uuidString: "00000000-0000-4000-8000-0000000000F1")),
            PhaseClosing.LateChange(what: .removed, kind: "patrol", isFigure: false, commune: f.wards[0], day: "2025-02-03",
                                    at: closedAt.addingTimeInterval(1_800), recordID: nil),
            PhaseClosing.LateChange(what: .changed, kind: "traffic_accidents", isFigure: true, commune: f.wards[2], day: "2025-01",
                                    at: closedAt.addingTimeInterval(600), recordID: nil),
        ]
        let form = FormState(values: ["reason": "sai"], errorKeys: ["reason": "phase.reopenReason"], translator: t)
        try await assertPageSnapshot(LateChangesPage.build(plan: f.plan, phase: f.plan.phases[0], closed: closed, changes: changes, graph: f.graph,
                                                           form: form, page: f.chrome("Sau khoá sổ"), text: t),
                                     template: "reviews/late", named: "late-changes")
        try await assertPageSnapshot(LateChangesPage.build(plan: f.plan, phase: f.plan.phases[0], closed: closed, changes: [], graph: f.graph,
                                                           form: FormState(), page: f.chrome("Sau khoá sổ"), text: t),
                                     template: "reviews/late", named: "late-none")
    }

    @Test("The review report: a phase with its prose written, as the page shows and prints it")
    func report() async throws {
        let w = f.window("2025-08-19")
        let facts = f.facts(scale: 1)
        let units = Evaluator.evaluate(plan: f.plan, window: w, units: facts)
        let area = UnitInfo(level: .province, kind: "", name: "BCĐ 138/UB", validFrom: f.phase.start)
        var prose = ReportProse()
        prose.number = "27/BC-BCĐ"
        prose.issuedOn = LocalDate(iso: "2025-08-25")
        prose.place = "Uông Bí"
        prose.situation = "Ban Chỉ đạo đã ban hành kế hoạch.\nCác phường triển khai đồng bộ."
        prose.recipients = "- Thường trực Thành ủy;\n- Lưu: VT."
        prose.signerTitle = "KT. TRƯỞNG BAN\nPHÓ TRƯỞNG BAN"
        prose.signerName = "Nguyễn Văn B"
        let data = ReportData(
            plan: f.plan, scope: f.phase.id,
            phases: [.init(plan: f.plan, phase: f.phase, closed: PhaseClosing.Closed(id: UUID(), at: closedAt, by: "thuongtruc"),
                           asOf: w.asOf, units: units, rollup: Evaluator.rollUp(plan: f.plan, window: w, unit: area, communes: facts))],
            exemplars: [.init(day: LocalDate(iso: "2025-05-04")!, commune: "phường Vàng Danh", collective: false,
                              name: "Nguyễn Văn C", recognisedBy: "UBND phường")],
            prose: prose, madeAt: closedAt)
        try await assertPageSnapshot(ReportPage.build(data, movementKey: f.plan.id, form: nil, canEdit: true, page: f.chrome("Báo cáo"),
                                                      document: f.text(), text: f.text()),
                                     template: "reports/report", named: "report-phase")
    }
}
