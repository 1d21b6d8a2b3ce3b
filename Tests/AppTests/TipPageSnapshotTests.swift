import Foundation
import Testing
import ThiDuaCore
import Vapor
@testable import App

/// The tips' pages, one snapshot per state, from plain values.
@Suite("Tip pages: the form's steps and mistakes, the receipt, the status, the inbox and a tip")
struct TipPageSnapshotTests {
    let f: SnapshotFixture
    let today = LocalDate(iso: "2025-08-05")!

    init() throws { f = try SnapshotFixture() }

    func tip(status: TipStatus = .assigned) -> Tip {
        let tip = Tip()
        tip.id = UUID(uuidString: "3C979CEA-0000-4000-8000-000000000001")
        tip.codeHash = String(repeating: "a", count: 64)
        tip.status = status
        tip.category = "drugs"
        tip.description = "Có người bán ma túy ở đầu ngõ 5, tối thứ bảy.\nĐi xe máy đỏ."
        tip.occurredOn = "2025-08-02"
        tip.occurredTime = "21:30"
        tip.receivedOn = "2025-08-03"
        tip.communeID = f.wards[1]
        tip.villageID = f.village
        tip.assignedTo = UUID(uuidString: "00000000-0000-4000-8000-0000000000AA")
        tip.citizenReplied = true
        return tip
    }

    func message(_ seq: Int, _ author: String, _ body: String) -> TipMessage {
        let m = TipMessage()
        m.tipID = tip().id ?? UUID()
        m.seq = seq
        m.author = author
        m.body = body
        m.sentOn = "2025-08-04"
        return m
    }

    @Test("The form: choosing the commune, then the form with its mistakes, in both languages")
    func form() async throws {
        let t = f.text()
        let communes = f.wards.compactMap { f.graph.units[$0] }
        try await assertPageSnapshot(TipFormPage.build(step: .commune(communes: communes, province: nil), form: FormState(), today: today,
                                                       page: f.chrome(t("tips.heading"), signedIn: false), text: t),
                                     template: "tips/form", named: "tip-commune")
        let village = try #require(f.graph.units[f.village])
        let typed = ["category": "gossip", "description": "ngắn", "occurredOn": "2025-08-09", "village": f.village.uuidString]
        let errors = ["category": "field.notAllowed", "description": "tips.field.tooShort", "occurredOn": "field.future", "files": "tips.file.unknownType"]
        let form = FormState(values: typed, errorKeys: errors, translator: t)
        try await assertPageSnapshot(TipFormPage.build(step: .form(commune: f.graph.units[f.wards[1]], villages: [village]), form: form, today: today,
                                                       page: f.chrome(t("tips.heading"), signedIn: false), text: t),
                                     template: "tips/form", named: "tip-form-mistakes")
        let en = f.text(.en)
        try await assertPageSnapshot(TipFormPage.build(step: .form(commune: nil, villages: []), form: FormState(values: ["occurredOn": today.iso]),
                                                       today: today, page: f.chrome(en("tips.heading"), .en, signedIn: false), text: en),
                                     template: "tips/form", named: "tip-form-unknown-en")
        let provinces = [try #require(f.graph.units[f.province])]
        try await assertPageSnapshot(TipFormPage.build(step: .province(provinces: provinces), form: FormState(), today: today,
                                                       page: f.chrome(t("tips.heading"), signedIn: false), text: t),
                                     template: "tips/form", named: "tip-province")
    }

    @Test("The receipt, the status asked for, a wrong code, and a tip with its conversation")
    func receiptAndStatus() async throws {
        let t = f.text()
        try await assertPageSnapshot(TipReceiptPage(page: f.chrome(t("tips.receiptTitle"), signedIn: false), code: "48213-90577-12345-67890-12345",
                                                    statusHref: SiteURL.tipStatus.path, newHref: SiteURL.tip().path),
                                     template: "tips/receipt", named: "tip-receipt")
        var wrong = FormState(values: ["receiptCode": "48213-90577-12345-67890-12346"])
        wrong.message = t("tips.code.notFound")
        try await assertPageSnapshot(TipStatusPage.build(form: wrong, found: nil, code: nil, sent: false, page: f.chrome(t("tips.statusTitle"), signedIn: false), text: t),
                                     template: "tips/status", named: "tip-status-wrong")
        let found = (tip(status: .verifying), [message(1, "officer", "Bạn có nhớ biển số xe không?"), message(2, "citizen", "Biển số 14B1-123.45")], [TipFile]())
        try await assertPageSnapshot(TipStatusPage.build(form: FormState(), found: found, code: "48213-90577-12345-67890-12345", sent: true,
                                                         page: f.chrome(t("tips.statusTitle"), signedIn: false), text: t),
                                     template: "tips/status", named: "tip-status-found")
        // Held for the release: the receipt says when the police will have it; the status, what still waits.
        try await assertPageSnapshot(TipReceiptPage(page: f.chrome(t("tips.receiptTitle"), signedIn: false), code: "48213-90577-12345-67890-12345",
                                                    statusHref: SiteURL.tipStatus.path, newHref: SiteURL.tip().path,
                                                    delivery: t("tips.receiptDelivery", ["time": "07/12/2026 11:00"])),
                                     template: "tips/receipt", named: "tip-receipt-held")
        let held = TipStatusPage.build(form: FormState(), found: (tip(status: .new), [], []), code: "48213-90577-12345-67890-12345", sent: true,
                                       waiting: .init(tip: true, messages: 1, at: "07/12/2026 11:00"),
                                       page: f.chrome(t("tips.statusTitle"), signedIn: false), text: t)
        #expect(held.waiting == ["Tin báo đã được nhận và sẽ đến công an lúc 07/12/2026 11:00.", "1 tin nhắn của bạn sẽ đến công an lúc 07/12/2026 11:00."])
        #expect(held.sent == "Đã nhận tin nhắn của bạn; công an sẽ nhận được lúc 07/12/2026 11:00.")
        try await assertPageSnapshot(held, template: "tips/status", named: "tip-status-held")
        // Erased at the end of its retention: the outcome, and the day it was erased.
        let erased = tip(status: .resolved)
        erased.description = ""
        erased.erasedOn = "2027-08-03"
        let gone = TipStatusPage.build(form: FormState(), found: (erased, [], []), code: "48213-90577-12345-67890-12345", sent: false,
                                       page: f.chrome(t("tips.statusTitle"), signedIn: false), text: t)
        #expect(gone.erased?.contains("đã được xóa ngày 03/08/2027") == true && !gone.canReply)
        try await assertPageSnapshot(gone, template: "tips/status", named: "tip-status-erased")
    }

    @Test("The inbox with a flagged and an answered tip; a tip's page with its actions and history")
    func inbox() async throws {
        let t = f.text()
        let now = VietnamTime.startOfDay(today).addingTimeInterval(10 * 3600)
        let a = tip(status: .new)
        a.assignedTo = nil
        a.citizenReplied = false
        let b = tip()
        b.id = UUID(uuidString: "3C979CEA-0000-4000-8000-000000000002")
        b.receivedOn = today.iso
        b.lastOfficerAt = now.addingTimeInterval(-3600)
        let names = [UUID(uuidString: "00000000-0000-4000-8000-0000000000AA")!: "Công an phường Vàng Danh"]
        let rows = [a, b].map { TipInboxPage.row($0, graph: f.graph, names: names, now: now, text: t) }
        #expect(rows.map(\.attention) == [true, false])
        let communes = f.wards.compactMap { f.graph.units[$0] }
        try await assertPageSnapshot(TipInboxPage.build(filter: TipService.Filter(), rows: rows, total: 2, communes: communes,
                                                        assignees: Array(names), page: f.chrome(t("tips.inbox")), text: t),
                                     template: "tips/inbox", named: "tip-inbox")
        let entry = AuditEntry()
        entry.seq = 7
        entry.at = VietnamTime.startOfDay(LocalDate(iso: "2025-08-03")!)
        entry.actor = "citizen"
        entry.action = "tip.receive"
        entry.entity = "tip"
        let input = TipDetailPage.Input(tip: b, graph: f.graph, contact: .shown("0912 345 678"), assignee: "Công an phường Vàng Danh",
                                        messages: [message(1, "officer", "Bạn có nhớ biển số xe không?")], files: [], history: [entry],
                                        assignees: Array(names), communes: communes, now: now)
        var form = FormState(values: ["message": ""], errorKeys: ["message": "field.required"], translator: t)
        form.message = nil
        try await assertPageSnapshot(TipDetailPage.build(input, form: form, page: f.chrome(t("tips.detailHeading", ["ref": b.reference])), text: t),
                                     template: "tips/detail", named: "tip-detail")
        // In the secretariat's queue, among more communes than a list holds: placed by a commune's code.
        let queued = tip(status: .new)
        queued.communeID = nil
        queued.villageID = nil
        queued.assignedTo = nil
        // Left by the citizen, sealed: the officer it is assigned to opens them by an action of its own.
        var sealed = input
        sealed.contact = .sealed(canReveal: true)
        let sealedPage = TipDetailPage.build(sealed, form: FormState(), page: f.chrome(t("tips.detailHeading", ["ref": b.reference])), text: t)
        #expect(sealedPage.forms.first?.action.hasSuffix("/contact") == true && sealedPage.forms.first?.fields.isEmpty == true)
        #expect(sealedPage.facts.contains { $0.value.contains("mỗi lần mở được ghi nhật ký") })
        try await assertPageSnapshot(sealedPage, template: "tips/detail", named: "tip-detail-sealed")
        // Its content erased: no text, no actions; its place, status and history stay.
        var erasedInput = input
        let erasedTip = tip(status: .resolved)
        erasedTip.description = ""
        erasedTip.erasedOn = "2027-08-03"
        erasedInput.tip = erasedTip
        erasedInput.contact = .none
        erasedInput.messages = []
        let erasedPage = TipDetailPage.build(erasedInput, form: FormState(), page: f.chrome(t("tips.detailHeading", ["ref": erasedTip.reference])), text: t)
        #expect(erasedPage.forms.isEmpty && erasedPage.description.contains("03/08/2027"))
        try await assertPageSnapshot(erasedPage, template: "tips/detail", named: "tip-detail-erased")
        var others = input
        others.contact = .sealed(canReveal: false)
        let othersPage = TipDetailPage.build(others, form: FormState(), page: f.chrome(t("tips.detailHeading", ["ref": b.reference])), text: t)
        #expect(!othersPage.forms.contains { $0.action.hasSuffix("/contact") })
        #expect(othersPage.facts.contains { $0.value == t("tips.contact.assigneeOnly") })
        let queue = TipDetailPage.Input(tip: queued, graph: f.graph, contact: .none, assignee: nil, messages: [], files: [], history: [entry],
                                        assignees: [], communes: [], now: now)
        let page = TipDetailPage.build(queue, form: FormState(), page: f.chrome(t("tips.detailHeading", ["ref": queued.reference])), text: t)
        #expect(page.forms.map { $0.action.components(separatedBy: "/").last ?? "" } == ["transfer", "message"])
        try await assertPageSnapshot(page, template: "tips/detail", named: "tip-detail-queue")
    }
}
