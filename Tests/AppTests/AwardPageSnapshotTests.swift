import Foundation
import Testing
import ThiDuaCore
import Vapor
@testable import App

/// The award pages, one snapshot per state, from plain values.
@Suite("Award pages: the list, a new nomination with its evidence, a nomination by state, decisions, the certificate, the forms")
struct AwardPageSnapshotTests {
    let f: SnapshotFixture
    let at = Date(timeIntervalSince1970: 1_756_690_200) // 01/09/2025 08:30 in Vietnam

    init() throws { f = try SnapshotFixture() }

    var form: AwardForm {
        let form = AwardForm()
        form.id = UUID(uuidString: "00000000-0000-4000-8000-0000000000A1")
        form.code = "chien-si-thi-dua-co-so"
        form.name = "Chiến sĩ thi đua cơ sở"
        form.nominee = .individual
        form.authority = "Chủ tịch UBND cấp xã"
        form.position = 4
        form.active = true
        return form
    }

    var evidence: NominationEvidence {
        NominationEvidence(area: "khu Vàng Danh 3", from: LocalDate(iso: "2024-08-19")!, to: LocalDate(iso: "2025-08-19")!,
                           counts: [.init(key: "information_source", n: 7), .init(key: "information_source.people", n: 5),
                                    .init(key: "information_source.team_member", n: 2), .init(key: "patrol", n: 19)],
                           exemplars: ["29/04/2025: Bà Nguyễn Thị E (UBND phường)"],
                           standings: [.init(phase: "Đợt 1", unit: "phường Vàng Danh", total: 54.31, band: "Hoàn thành", rank: 8, of: 10, closed: true),
                                       .init(phase: "Đợt 2", unit: "phường Vàng Danh", total: nil, band: nil, rank: nil, of: 3, closed: false)])
    }

    func nomination(_ status: NominationStatus) throws -> Nomination {
        let n = Nomination()
        n.id = UUID(uuidString: "00000000-0000-4000-8000-0000000000B1")
        n.awardFormID = form.id ?? UUID()
        n.communeID = f.wards[1]
        n.kind = .member
        n.nomineeID = UUID()
        n.nomineeName = "Bùi Thị Yến"
        n.achievement = "Tham gia 19 buổi tuần tra.\nVận động 5 nguồn tin từ Nhân dân."
        n.evidence = String(decoding: try JSONEncoder().encode(evidence), as: UTF8.self)
        n.state = status
        n.proposedBy = "ca.vangdanh"
        n.createdAt = at
        if status == .returned { n.returnReason = "Thiếu báo cáo thành tích có xác nhận" }
        if status == .decided || status == .inReview { (n.votesFor, n.votesAgainst, n.votesAbstain, n.councilNote) = (5, 1, 1, "Nhất trí") }
        if status == .decided {
            (n.decisionNumber, n.decisionDate, n.decisionSigner) = ("125/QĐ-UBND", "2025-09-01", "Nguyễn Văn Dũng")
            (n.decisionAuthority, n.decisionSignerTitle) = ("Chủ tịch Ủy ban nhân dân phường Vàng Danh", "KT. CHỦ TỊCH\nPHÓ CHỦ TỊCH")
        }
        return n
    }

    func entry(_ action: String, _ actor: String) -> AuditEntry {
        let e = AuditEntry()
        e.action = action
        e.actor = actor
        e.at = at
        return e
    }

    @Test("A nomination: with the commune, before the council with its sent-back vote, decided")
    func nominationPages() async throws {
        let t = f.text()
        func page(_ status: NominationStatus, steps: Set<String>, sent: (String, FormState)? = nil, _ name: String) async throws {
            let input = NominationPage.Input(plan: f.plan, nomination: try nomination(status), form: form, commune: "phường Vàng Danh", files: [],
                                             history: [entry("nomination.propose", "ca.vangdanh"), entry("nomination.council", "thuongtruc")],
                                             steps: steps, sent: sent)
            try await assertPageSnapshot(NominationPage.build(input, page: f.chrome("Đề nghị"), text: t), template: "awards/show", named: name)
        }
        try await page(.returned, steps: ["edit", "resubmit"], "nomination-returned")
        let vote = SiteURL.nominationStep("00000000-0000-4000-8000-0000000000B1", "vote").path
        try await page(.inReview, steps: ["vote", "decide", "return", "reject"],
                       sent: (vote, FormState(values: ["votesFor": "0", "votesAgainst": "0", "votesAbstain": "0"],
                                              errorKeys: ["votesFor": "award.noVotes"], translator: t)), "nomination-council")
        try await page(.decided, steps: [], "nomination-decided")
    }

    @Test("A new nomination with the nominee's evidence; the list; decisions; the certificate; the forms")
    func otherPages() async throws {
        let t = f.text()
        let ward = try #require(f.graph.units[f.wards[1]])
        let nominees = [AwardService.Nominee(kind: .commune, id: ward.id, name: ward.fullName, village: nil),
                        AwardService.Nominee(kind: .member, id: UUID(uuidString: "00000000-0000-4000-8000-0000000000C1")!, name: "Bùi Thị Yến",
                                             village: f.village)]
        try await assertPageSnapshot(NominationNewPage.build(plan: f.plan, commune: ward, forms: [form], nominees: nominees,
                                                             chosenForm: form.id?.uuidString, chosenNominee: "member:00000000-0000-4000-8000-0000000000C1",
                                                             evidence: evidence, form: nil, page: f.chrome("Đề nghị"), text: t),
                                     template: "awards/new", named: "nomination-new")
        let decided = try nomination(.decided)
        try await assertPageSnapshot(NominationsPage.build(plan: f.plan, nominations: [decided, try nomination(.returned)],
                                                           forms: [form.id ?? UUID(): form], graph: f.graph, status: nil,
                                                           newHref: SiteURL.newNomination(f.plan.id, unit: "06811", form: nil, nominee: nil).path,
                                                           isAdmin: true, page: f.chrome("Đề nghị"), text: t),
                                     template: "awards/list", named: "nominations")
        try await assertPageSnapshot(DecisionsPage.build(plan: f.plan, groups: DecisionsPage.groups([decided], forms: [form], graph: f.graph, text: t),
                                                         page: f.chrome("Khen thưởng"), text: t),
                                     template: "awards/decisions", named: "decisions")
        try await assertPageSnapshot(CertificatePage.build(plan: f.plan, nomination: decided, form: form, commune: "phường Vàng Danh", place: "Uông Bí",
                                                           page: f.chrome("Giấy khen"), text: t),
                                     template: "awards/certificate", named: "certificate")
        try await assertPageSnapshot(AwardFormsPage.build(forms: [form], sent: nil, page: f.chrome("Hình thức"), text: t),
                                     template: "awards/forms", named: "award-forms")
    }
}
