import Foundation
import Testing
@testable import ThiDuaCore

@Suite("Record drafts: each kind's fields and ranges, checked without a database")
struct RecordDraftTests {
    let day = LocalDate(iso: "2025-03-01")!
    let today = LocalDate(iso: "2025-03-10")!

    @Test("A patrol: times in Vietnam decide its day; participants at least 1; incidents default to 0")
    func patrol() {
        var f = RecordFields()
        f.startedAt = VietnamTime.startOfDay(day).addingTimeInterval(20 * 3600)
        f.endedAt = f.startedAt?.addingTimeInterval(2 * 3600)
        f.participants = 4
        let ok = RecordDraft.check(kind: .patrol, fields: f, date: day, today: today)
        #expect(ok.errors == [:])
        #expect(ok.values.participants == 4)
        #expect(ok.values.quantity == 0)
        #expect(ok.values.flag == false)
        f.participants = 0
        f.endedAt = f.startedAt?.addingTimeInterval(-60)
        let bad = RecordDraft.check(kind: .patrol, fields: f, date: LocalDate(iso: "2025-03-02")!, today: today)
        #expect(bad.errors == ["participants": "field.range", "endedAt": "field.endBeforeStart", "date": "field.patrolDate"])
    }

    @Test("A tip: choices from the catalogue, received by default, no other kind's fields")
    func tip() {
        var f = RecordFields()
        f.category = "gossip"
        f.attendance = 3
        let r = RecordDraft.check(kind: .informationSource, fields: f, date: nil, today: today)
        #expect(r.errors == ["category": "field.notAllowed", "origin": "field.required", "attendance": "field.notForKind"])
        f = RecordFields()
        f.category = "drugs"
        f.origin = "people"
        let ok = RecordDraft.check(kind: .informationSource, fields: f, date: day, today: today)
        #expect(ok.errors == [:])
        #expect(ok.values.status == "received")
    }

    @Test("Text: characters and bytes both count; control characters other than line breaks are refused")
    func text() {
        var f = RecordFields()
        f.category = "drugs"
        f.origin = "people"
        f.summary = "a" + String(repeating: "\u{301}", count: 8001)
        #expect(RecordDraft.check(kind: .informationSource, fields: f, date: day, today: today).errors == ["summary": "field.tooLong"])
        f.summary = "dòng một\ndòng hai\tcột"
        #expect(RecordDraft.check(kind: .informationSource, fields: f, date: day, today: today).errors == [:])
        f.summary = "chuông\u{7}"
        #expect(RecordDraft.check(kind: .informationSource, fields: f, date: day, today: today).errors == ["summary": "field.controlCharacter"])
    }

    @Test("A model: an effective one needs the day it was found so, not after today nor before the model")
    func model() {
        var f = RecordFields()
        f.name = "Camera an ninh"
        f.effective = true
        f.evaluatedOn = ""
        #expect(RecordDraft.check(kind: .model, fields: f, date: day, today: today).errors == ["evaluatedOn": "field.required"])
        f.evaluatedOn = "9999-12-31"
        #expect(RecordDraft.check(kind: .model, fields: f, date: day, today: today).errors == ["evaluatedOn": "field.future"])
        f.evaluatedOn = "2025-02-28"
        #expect(RecordDraft.check(kind: .model, fields: f, date: day, today: today).errors == ["evaluatedOn": "field.beforeStart"])
        f.evaluatedOn = "2025-03-05"
        let ok = RecordDraft.check(kind: .model, fields: f, date: day, today: today)
        #expect(ok.errors == [:])
        #expect(ok.values.flag == true)
        #expect(ok.values.flagOn == "2025-03-05")
        // Without a valid date the comparison with it is left out, the rest still checked.
        f.evaluatedOn = "2025-02-28"
        f.name = nil
        #expect(RecordDraft.check(kind: .model, fields: f, date: nil, today: today).errors == ["name": "field.required"])
    }
}

@Suite("Patrol times from a form")
struct PatrolTimeTests {
    @Test("Clock times: HH:mm only, 00:00 to 23:59")
    func minutes() {
        #expect(RecordDraft.minutes("00:00") == 0)
        #expect(RecordDraft.minutes("23:59") == 1439)
        #expect(RecordDraft.minutes("19:30") == 1170)
        #expect(RecordDraft.minutes("24:00") == nil)
        #expect(RecordDraft.minutes("7:30") == nil)
        #expect(RecordDraft.minutes("07:60") == nil)
        #expect(RecordDraft.minutes("") == nil)
        #expect(RecordDraft.minutes("ab:cd") == nil)
    }

    @Test("A patrol in Vietnam time; an end at or before the start is the next morning")
    func span() throws {
        let day = try #require(LocalDate(iso: "2025-03-10"))
        let evening = try #require(RecordDraft.patrolSpan(date: day, start: "19:30", end: "22:00"))
        // 19:30 on 10/03 in Vietnam is 12:30 UTC.
        #expect(evening.start == Date(timeIntervalSince1970: 1_741_609_800))
        #expect(evening.end.timeIntervalSince(evening.start) == 2.5 * 3600)
        let night = try #require(RecordDraft.patrolSpan(date: day, start: "22:00", end: "02:00"))
        #expect(night.end.timeIntervalSince(night.start) == 4 * 3600)
        #expect(VietnamTime.localDate(of: night.end) == LocalDate(iso: "2025-03-11"))
        // The same time twice is a whole day, which the draft then refuses as too long.
        let same = try #require(RecordDraft.patrolSpan(date: day, start: "08:00", end: "08:00"))
        #expect(same.end.timeIntervalSince(same.start) == 24 * 3600)
        #expect(RecordDraft.patrolSpan(date: day, start: "8h", end: "10:00") == nil)
    }
}
