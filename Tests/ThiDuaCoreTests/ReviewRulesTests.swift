import Foundation
import Testing
@testable import ThiDuaCore

@Suite("Reviews: pledges, self-assessment, review, adjustments, closing and the final score")
struct ReviewRulesTests {
    static let reportDay = LocalDate(iso: "2025-02-10") ?? LocalDate(dayNumber: 0)
    let plan = try! PlanLoader.load(yaml: try! shippedPlanYAML())
    var propaganda: Criterion { plan.criteria[0] }
    var bonus: Adjustment { plan.adjustments[0] }
    var penalty: Adjustment { plan.adjustments[1] }

    func day(_ iso: String) -> LocalDate { LocalDate(iso: iso)! }

    @Test("A score as typed: the decimal comma, to the hundredth; nothing else")
    func scores() {
        #expect(ReviewRules.score("7") == 7)
        #expect(ReviewRules.score(" 7,5 ") == 7.5)
        #expect(ReviewRules.score("7.25") == 7.25)
        #expect(ReviewRules.score("0") == 0)
        #expect(ReviewRules.score("7.255") == nil)
        #expect(ReviewRules.score("-1") == nil)
        #expect(ReviewRules.score("1e2") == nil)
        #expect(ReviewRules.score("7,5,1") == nil)
        #expect(ReviewRules.score("") == nil)
        #expect(ReviewRules.score("７") == nil)
        #expect(ReviewRules.score("nan") == nil)
    }

    @Test("The commune's own score: within the criterion's points, with a justification")
    func selfScore() {
        #expect(propaganda.points == 8)
        let ok = ReviewRules.selfScore("7,5", justification: "  12 buổi tuyên truyền  ", criterion: propaganda)
        #expect(ok.0 == ScoreDraft(score: 7.5, note: "12 buổi tuyên truyền"))
        #expect(ok.1.isEmpty)
        #expect(ReviewRules.selfScore("8", justification: "đủ", criterion: propaganda).0?.score == 8)
        #expect(ReviewRules.selfScore("8.01", justification: "x", criterion: propaganda).1 == ["score": "field.range"])
        #expect(ReviewRules.selfScore("", justification: "", criterion: propaganda).1 == ["score": "field.required", "note": "assessment.justify"])
        #expect(ReviewRules.selfScore("bảy", justification: "x", criterion: propaganda).1 == ["score": "field.number"])
        #expect(ReviewRules.selfScore("7", justification: String(repeating: "a", count: 2_001), criterion: propaganda).1 == ["note": "field.tooLong"])
    }

    @Test("The reviewed score needs a comment only where it differs from the commune's own")
    func review() {
        #expect(ReviewRules.reviewedScore("7", comment: "", selfScore: 7, criterion: propaganda).0 == ScoreDraft(score: 7, note: ""))
        #expect(ReviewRules.reviewedScore("5", comment: " ", selfScore: 7, criterion: propaganda).1 == ["note": "assessment.explain"])
        #expect(ReviewRules.reviewedScore("5", comment: "", selfScore: nil, criterion: propaganda).1 == ["note": "assessment.explain"])
        #expect(ReviewRules.reviewedScore("5", comment: "Thiếu biên bản", selfScore: 7, criterion: propaganda).0?.score == 5)
        // Out of range: the score's message alone, not a demand for a comment on a score that cannot stand.
        #expect(ReviewRules.reviewedScore("9", comment: "", selfScore: 7, criterion: propaganda).1 == ["score": "field.range"])
    }

    @Test("Bonus and penalty points: up to the item's maximum, with a reason")
    func adjustments() {
        #expect(ReviewRules.adjustment("5", reason: "Bắt quả tang", item: bonus).0 == ScoreDraft(score: 5, note: "Bắt quả tang"))
        #expect(ReviewRules.adjustment("5,5", reason: "x", item: bonus).1 == ["points": "field.range"])
        #expect(ReviewRules.adjustment("10", reason: "", item: penalty).1 == ["reason": "field.required"])
        #expect(ReviewRules.adjustment("", reason: "x", item: penalty).1 == ["points": "field.required"])
    }

    @Test("A pledge: the plan's targets in the plan's order, own targets by line, a signer")
    func pledge() {
        let ids = plan.targets.map(\.id)
        let (draft, errors) = ReviewRules.pledge(targets: [ids[2], ids[0]], ownText: "\n  Xây dựng 2 mô hình mới \r\n\nKhông để xảy ra cháy nổ\n",
                                                 signer: " Nguyễn Văn A, Trưởng Công an phường ", plan: plan)
        #expect(errors.isEmpty)
        #expect(draft == PledgeDraft(targets: [ids[0], ids[2]], ownTargets: ["Xây dựng 2 mô hình mới", "Không để xảy ra cháy nổ"],
                                     signer: "Nguyễn Văn A, Trưởng Công an phường"))
        #expect(ReviewRules.pledge(targets: [], ownText: " \n ", signer: "", plan: plan).1 == ["targets": "pledge.nothing", "signer": "field.required"])
        #expect(ReviewRules.pledge(targets: ["khong-co"], ownText: "", signer: "A", plan: plan).1 == ["targets": "field.notAllowed"])
        let eleven = (1...11).map { "Chỉ tiêu \($0)" }.joined(separator: "\n")
        #expect(ReviewRules.pledge(targets: [], ownText: eleven, signer: "A", plan: plan).1 == ["own": "pledge.ownTooMany"])
        // Own targets alone are a pledge.
        #expect(ReviewRules.pledge(targets: [], ownText: "Một chỉ tiêu", signer: "A", plan: plan).0?.ownTargets == ["Một chỉ tiêu"])
    }

    @Test("Pledges are taken while the movement runs; a phase is closed from the day after its last, in Vietnam time")
    func dates() {
        #expect(ReviewRules.pledgeOpen(plan, today: day("2025-08-19")))
        #expect(!ReviewRules.pledgeOpen(plan, today: day("2025-08-20")))
        let phase1 = plan.phases[0]
        #expect(phase1.end == day("2025-02-03"))
        #expect(!ReviewRules.canClose(phase1, today: day("2025-02-03")))
        #expect(ReviewRules.canClose(phase1, today: day("2025-02-04")))
        // 23:59 on the last day in Vietnam is 16:59 UTC; 00:00 the next day is 17:00 UTC.
        let lastMinute = VietnamTime.startOfDay(day("2025-02-04")).addingTimeInterval(-60)
        #expect(!ReviewRules.canClose(phase1, today: VietnamTime.localDate(of: lastMinute)))
        #expect(ReviewRules.canClose(phase1, today: VietnamTime.localDate(of: lastMinute.addingTimeInterval(60))))
    }

    @Test("Reopening needs a reason of at least 10 characters")
    func reopen() {
        #expect(ReviewRules.reopenReason("  sai số  ").1 == ["reason": "phase.reopenReason"])
        #expect(ReviewRules.reopenReason(" Sửa số liệu tháng 1 của phường Yên Thanh ").0 == "Sửa số liệu tháng 1 của phường Yên Thanh")
        #expect(ReviewRules.reopenReason(String(repeating: "a", count: 2_001)).1 == ["reason": "field.tooLong"])
    }

    @Test("Late: dated in the phase and changed after closing; the edges")
    func late() {
        let phase1 = plan.phases[0]
        let closedAt = VietnamTime.startOfDay(day("2025-02-10"))
        #expect(ReviewRules.isLate(occurredOn: day("2025-02-03"), changedAt: closedAt.addingTimeInterval(1), phase: phase1, closedAt: closedAt))
        #expect(!ReviewRules.isLate(occurredOn: day("2025-02-03"), changedAt: closedAt, phase: phase1, closedAt: closedAt))
        #expect(!ReviewRules.isLate(occurredOn: day("2025-02-04"), changedAt: closedAt.addingTimeInterval(1), phase: phase1, closedAt: closedAt))
        #expect(ReviewRules.isLate(occurredOn: day("2024-08-19"), changedAt: closedAt.addingTimeInterval(1), phase: phase1, closedAt: closedAt))
        #expect(!ReviewRules.isLate(occurredOn: day("2024-08-18"), changedAt: closedAt.addingTimeInterval(1), phase: phase1, closedAt: closedAt))
        // Months whose deciding day lies in the phase.
        #expect(ReviewRules.isLate(month: Month(text: "2025-01")!, changedAt: closedAt.addingTimeInterval(1), phase: phase1, closedAt: closedAt))
        #expect(!ReviewRules.isLate(month: Month(text: "2025-03")!, changedAt: closedAt.addingTimeInterval(1), phase: phase1, closedAt: closedAt))
    }

    @Test("The final score: measured points, the reviewed score over the commune's own, bonus less penalty; worked by hand")
    func finalScore() {
        let window = EvaluationWindow(phase: plan.phases[0], asOf: day("2025-02-03"))
        var facts = UnitFacts(unit: UnitInfo(code: "06808", level: .commune, kind: "phường", name: "Vàng Danh", validFrom: day("2008-01-01")))
        // Nothing measured: every target has no data, which the plan scores 0.
        facts.assessments = ["tuyen-truyen-luat": Assessment(selfScore: 7.5, reviewedScore: 6.25),
                             "phoi-hop": Assessment(selfScore: 6.5, reviewedScore: nil)]
        facts.adjustments = ["thanh-tich-dot-xuat": 3, "vu-viec-nghiem-trong": 1.5]
        let r = Evaluator.evaluateUnit(plan: plan, window: window, facts: facts)
        let measured = r.targetPoints
        // 6.25 (reviewed, not 7.5) + 6.5 (own, not yet reviewed) = 12.75; +3 − 1.5 = +1.5.
        #expect(r.criteriaPoints == 12.75)
        #expect(r.adjustmentPoints == 1.5)
        #expect(r.total == Evaluator.rounded(measured + 12.75 + 1.5))
        // Stored values beyond an item's maximum count as the maximum.
        facts.adjustments = ["thanh-tich-dot-xuat": 9, "vu-viec-nghiem-trong": 0]
        #expect(Evaluator.evaluateUnit(plan: plan, window: window, facts: facts).adjustmentPoints == 5)
    }

    @Test("A report's prose: trimmed, a valid day or none, lengths; the place and date as a Vietnamese document writes them")
    func prose() {
        let (prose, errors) = ReportProse.check(["number": " 27/BC-BCĐ ", "issuedOn": "2025-02-10", "place": "Uông Bí",
                                                 "situation": "Dòng một\r\nDòng hai\n", "other": "ignored"], today: Self.reportDay)
        #expect(errors.isEmpty)
        #expect(prose?.number == "27/BC-BCĐ")
        #expect(prose?.situation == "Dòng một\nDòng hai")
        #expect(prose?.placeAndDate == "Uông Bí, ngày 10 tháng 02 năm 2025")
        #expect(ReportProse().placeAndDate == "……, ngày … tháng … năm ……")
        #expect(ReportProse.check(["issuedOn": "2025-02-30"], today: Self.reportDay).1 == ["issuedOn": "field.date"])
        #expect(ReportProse.check(["number": String(repeating: "1", count: 201)], today: Self.reportDay).1 == ["number": "field.tooLong"])
        #expect(ReportProse.check(["situation": String(repeating: "a", count: 20_000)], today: Self.reportDay).1.isEmpty)
        #expect(ReportProse.check(["proposals": "a\u{07}b"], today: Self.reportDay).1 == ["proposals": "field.controlCharacter"])
        #expect(ReportProse.check(["signerName": "Nguyễn\u{85}Văn A"], today: Self.reportDay).1 == ["signerName": "field.controlCharacter"])
        // Dated up to 60 days ahead (10/02/2025 → 11/04/2025), not beyond; 9999-12-31 is a slip.
        #expect(ReportProse.check(["issuedOn": "2025-04-11"], today: Self.reportDay).1.isEmpty)
        #expect(ReportProse.check(["issuedOn": "2025-04-12"], today: Self.reportDay).1 == ["issuedOn": "field.tooFarAhead"])
        #expect(ReportProse.check(["issuedOn": "9999-12-31"], today: Self.reportDay).1 == ["issuedOn": "field.tooFarAhead"])
    }

    @Test("Nominations: each step from where it stands; a decision needs more than half the votes for")
    func workflow() throws {
        let today = day("2025-09-10")
        #expect(try AwardRules.next(.proposed, .toCouncil, votes: nil).get() == .inReview)
        #expect(try AwardRules.next(.proposed, .returnToCommune(reason: "Thiếu hồ sơ"), votes: nil).get() == .returned)
        #expect(try AwardRules.next(.returned, .resubmit, votes: nil).get() == .proposed)
        #expect(try AwardRules.next(.returned, .edit, votes: nil).get() == .returned)
        #expect(try AwardRules.next(.inReview, .vote(votesFor: 3, against: 2, abstain: 1, note: ""), votes: nil).get() == .inReview)
        #expect(try AwardRules.next(.inReview, .decide(number: "1", date: today, authority: "A", signerTitle: "B", signer: "C"), votes: (4, 2, 1)).get() == .decided)
        let decide = NominationStep.decide(number: "1", date: today, authority: "A", signerTitle: "B", signer: "C")
        // 3 of 6 is half, not more.
        #expect(throws: AwardProblem.notCarried) { try AwardRules.next(.inReview, decide, votes: (3, 2, 1)).get() }
        #expect(throws: AwardProblem.noVote) { try AwardRules.next(.inReview, decide, votes: nil).get() }
        #expect(throws: AwardProblem.notNow) { try AwardRules.next(.proposed, decide, votes: (5, 0, 0)).get() }
        #expect(throws: AwardProblem.notNow) { try AwardRules.next(.returned, .toCouncil, votes: nil).get() }
        #expect(throws: AwardProblem.notNow) { try AwardRules.next(.decided, .reject(reason: "Không đủ"), votes: nil).get() }
        #expect(throws: AwardProblem.notNow) { try AwardRules.next(.rejected, .edit, votes: nil).get() }
        #expect(throws: AwardProblem.notNow) { try AwardRules.next(.inReview, .edit, votes: nil).get() }
        #expect(NominationStep.edit.isCommunes && NominationStep.resubmit.isCommunes && !NominationStep.toCouncil.isCommunes)
    }

    @Test("Nominations: what each step carries, checked")
    func stepFields() {
        let today = day("2025-09-10")
        #expect(AwardRules.check(.returnToCommune(reason: " abc "), today: today) == ["reason": "award.reasonShort"])
        #expect(AwardRules.check(.vote(votesFor: 0, against: 0, abstain: 0, note: ""), today: today) == ["votesFor": "award.noVotes"])
        #expect(AwardRules.check(.vote(votesFor: -1, against: 0, abstain: 0, note: ""), today: today) == ["votesFor": "field.range"])
        #expect(AwardRules.check(.decide(number: " ", date: day("2025-09-11"), authority: "", signerTitle: " \n", signer: ""), today: today)
                == ["number": "field.required", "date": "field.future", "authority": "field.required", "signerTitle": "field.required",
                    "signer": "field.required"])
        #expect(AwardRules.check(.decide(number: "1", date: today, authority: "A", signerTitle: "B", signer: "Nguyễn\nVăn D"), today: today)
                == ["signer": "award.signerOneLine"])
        #expect(AwardRules.check(.decide(number: "125/QĐ-UBND", date: today, authority: "Chủ tịch Ủy ban nhân dân phường Vàng Danh",
                                         signerTitle: "KT. CHỦ TỊCH\nPHÓ CHỦ TỊCH", signer: "Nguyễn Văn D"), today: today).isEmpty)
        #expect(AwardRules.achievement("ngắn").1 == ["achievement": "award.achievementShort"])
        #expect(AwardRules.achievement("  Tham gia 19 buổi tuần tra.\r\n  ").0 == "Tham gia 19 buổi tuần tra.")
        #expect(AwardNominee.collective.accepts(.team) && AwardNominee.collective.accepts(.commune) && !AwardNominee.collective.accepts(.member))
        #expect(AwardNominee.individual.accepts(.member) && !AwardNominee.individual.accepts(.commune) && AwardNominee.both.accepts(.member))
    }

    @Test("Award forms: as the admin types them; a code without diacritics, unique")
    func awardForms() {
        #expect(AwardFormRules.code(for: "Giấy khen", taken: []) == "giay-khen")
        #expect(AwardFormRules.code(for: "Tập thể lao động tiên tiến", taken: []) == "tap-the-lao-dong-tien-tien")
        #expect(AwardFormRules.code(for: "Đơn vị xuất sắc", taken: ["don-vi-xuat-sac"]) == "don-vi-xuat-sac-2")
        #expect(AwardFormRules.code(for: "!!!", taken: []) == "hinh-thuc")
        let (draft, errors) = AwardFormRules.check(["name": " Lao động tiên tiến ", "nominee": "individual", "authority": "Chủ tịch UBND cấp xã",
                                                    "position": "6", "active": "true"])
        #expect(errors.isEmpty)
        #expect(draft == AwardFormDraft(name: "Lao động tiên tiến", nominee: .individual, authority: "Chủ tịch UBND cấp xã", position: 6, active: true))
        #expect(AwardFormRules.check(["name": "", "nominee": "x", "authority": "", "position": "0"]).1
                == ["name": "field.required", "nominee": "field.notAllowed", "authority": "field.required", "position": "field.range"])
    }
}
