import Foundation
import Testing
@testable import ThiDuaCore

@Suite("A commune's month: submitted, returned with a reason, approved and locked, reopened with a reason")
struct MonthReviewTests {
    func next(_ s: MonthState, _ a: MonthAction, commune: Bool = false, committee: Bool = false, reason: String? = nil,
              ended: Bool = true) -> Result<MonthState, MonthReviewRefusal> {
        MonthReview.next(from: s, action: a, commune: commune, committee: committee, reason: reason, ended: ended)
    }

    @Test("The way through: submit, return with a reason, submit again, approve, reopen with a reason")
    func path() {
        #expect(next(.open, .submit, commune: true) == .success(.submitted))
        #expect(next(.submitted, .return, committee: true, reason: "Thiếu số liệu tai nạn") == .success(.returned))
        #expect(next(.returned, .submit, commune: true) == .success(.submitted))
        #expect(next(.submitted, .approve, committee: true) == .success(.approved))
        #expect(MonthState.approved.isLocked && !MonthState.submitted.isLocked)
        #expect(next(.approved, .reopen, committee: true, reason: "Sửa số liệu") == .success(.open))
    }

    @Test("Refusals: by whom, in which state, without a reason, a month not over")
    func refusals() {
        #expect(next(.open, .submit, commune: false, committee: true) == .failure(.forbidden))
        #expect(next(.open, .submit, commune: true, ended: false) == .failure(.notEnded))
        #expect(next(.submitted, .submit, commune: true) == .failure(.wrongState))
        #expect(next(.approved, .submit, commune: true) == .failure(.wrongState))
        #expect(next(.submitted, .approve, commune: true) == .failure(.forbidden))
        #expect(next(.open, .approve, committee: true) == .failure(.wrongState))
        #expect(next(.submitted, .return, committee: true, reason: "  \n") == .failure(.reasonRequired))
        #expect(next(.approved, .reopen, committee: true) == .failure(.reasonRequired))
        #expect(next(.submitted, .reopen, committee: true, reason: "x") == .failure(.wrongState))
        #expect(MonthReviewRefusal.reasonRequired.key == "month.reasonRequired")
    }

    @Test("What a page offers: the commune submits; the committee returns or approves, then may reopen")
    func actions() {
        #expect(MonthReview.actions(from: .open, commune: true, committee: false, ended: true) == [.submit])
        #expect(MonthReview.actions(from: .open, commune: true, committee: false, ended: false) == [])
        #expect(MonthReview.actions(from: .submitted, commune: true, committee: true, ended: true) == [.return, .approve])
        #expect(MonthReview.actions(from: .approved, commune: true, committee: true, ended: true) == [.reopen])
        #expect(MonthReview.actions(from: .approved, commune: true, committee: false, ended: true) == [])
    }
}

@Suite("The months a phase has touched so far")
struct PhaseMonthsTests {
    @Test("Phase 2 (04/02–19/08/2025): none before it, February to May on 15/05, seven once over")
    func months() throws {
        let phase = Phase(id: "p2", name: "Đợt 2", start: try #require(LocalDate(iso: "2025-02-04")), end: try #require(LocalDate(iso: "2025-08-19")))
        #expect(EvaluationWindow(phase: phase, asOf: LocalDate(iso: "2025-02-03")!).monthsSoFar == [])
        #expect(EvaluationWindow(phase: phase, asOf: LocalDate(iso: "2025-05-15")!).monthsSoFar.map(\.text) == ["2025-02", "2025-03", "2025-04", "2025-05"])
        #expect(EvaluationWindow(phase: phase, asOf: LocalDate(iso: "2026-01-01")!).monthsSoFar.count == 7)
    }
}
