import Testing
@testable import ThiDuaCore

@Suite("A file of team members")
struct MemberImportTests {
    let today = LocalDate(iso: "2026-11-29")!

    func read(_ lines: [String]) -> (rows: [MemberImport.Row], problems: [ImportProblem]) {
        MemberImport.read(lines.joined(separator: "\n"), today: today)
    }

    @Test("Rows that read: Vietnamese role words, phones and days as people write them")
    func good() throws {
        let (rows, problems) = read([
            "village;full_name;role;phone;joined_on;left_on",
            "Vàng Danh 3;  Hoàng  Thanh Dũng ;Tổ trưởng;0912.345.678;01/07/2025;",
            "khu Vàng Danh 3;Lê Văn Bình;to pho;+84 912 345 679;2025-07-01;",
            "Vàng Danh 3;Phạm Thị Cúc;member;;15/03/2024;2026-11-29",    // 15/03: the file writes the day first
        ])
        #expect(problems == [])
        #expect(rows.map(\.fullName) == ["Hoàng Thanh Dũng", "Lê Văn Bình", "Phạm Thị Cúc"])
        #expect(rows.map(\.role) == [.leader, .deputy, .member])
        #expect(rows.map(\.phone) == ["0912345678", "0912345679", nil])
        #expect(rows.map(\.joinedOn.iso) == ["2025-07-01", "2025-07-01", "2024-03-15"])
        #expect(rows[2].leftOn?.iso == "2026-11-29" && rows[2].serves(on: today) && !rows[2].serves(on: today.adding(days: 1)))
        #expect(rows.map(\.line) == [2, 3, 4])
    }

    @Test("Every mistake with its line; a row with one is not kept")
    func mistakes() {
        let (rows, problems) = read([
            "village,full_name,role,phone,joined_on,left_on",
            ",Nguyễn Văn A,tổ viên,,2025-01-01,",             // 2: no village
            "Vàng Danh 3,,tổ viên,,2025-01-01,",              // 3: no name
            "Vàng Danh 3,Nguyễn Văn B,trưởng thôn,,2025-01-01,", // 4: not a team role
            "Vàng Danh 3,Nguyễn Văn C,tổ viên,091234,2025-01-01,", // 5: a phone too short
            "Vàng Danh 3,Nguyễn Văn D,tổ viên,,31/02/2025,",   // 6: no such day
            "Vàng Danh 3,Nguyễn Văn E,tổ viên,,2026-12-01,",   // 7: to come
            "Vàng Danh 3,Nguyễn Văn F,tổ viên,,2025-05-01,2025-04-30", // 8: left before joining
            "Vàng Danh 3,Nguyễn Văn G,tổ viên,,2025-01-01,",   // 9: good
            "vang danh 3,nguyễn văn g,tổ phó,,2025-02-01,",    // 10: the same person again
            "Vàng Danh 3,Trần Văn H,tổ trưởng,,2025-01-01,",   // 11: the leader
            "Vàng Danh 3,Trần Văn I,tổ trưởng,,2025-06-01,",   // 12: a second leader
            "Vàng Danh 3,Trần Văn K,tổ trưởng,,2023-01-01,2024-12-31", // 13: a leader who left: fine
            "Vàng Danh 3,Trần Văn L,tổ viên,,2025-01-01,,x",   // 14: a cell too many
        ])
        #expect(rows.map(\.line) == [9, 11, 13])
        #expect(problems.map { "\($0.line) \($0.key)" } == [
            "2 import.villageMissing", "3 import.nameMissing", "4 import.role", "5 import.phone", "6 import.date",
            "7 import.dateFuture", "8 import.leftBeforeJoined", "10 import.duplicateMember", "12 import.twoLeaders", "14 import.extraCells",
        ])
        #expect(problems.first { $0.line == 10 }?.arguments == ["first": "9"])
        #expect(problems.first { $0.line == 6 }?.arguments == ["column": "joined_on", "value": "31/02/2025"])
    }

    @Test("The header: the columns it needs, none unknown, none twice; empty files")
    func header() {
        #expect(read(["village,full_name,role"]).problems.map(\.key) == ["import.header"])
        #expect(read(["village,full_name,role,joined_on,email"]).problems.map(\.key) == ["import.noRows", "import.unknownColumn"])
        #expect(read(["village,full_name,role,joined_on,role"]).problems.map(\.key) == ["import.columnTwice", "import.noRows"])
        #expect(read([""]).problems.map(\.key) == ["import.empty"])
        // phone and left_on may be left out, and the columns come in any order.
        let (rows, problems) = read(["joined_on,role,full_name,village", "2025-07-01,tổ viên,Đỗ Văn M,Vàng Danh 3"])
        #expect(problems == [] && rows.first?.fullName == "Đỗ Văn M" && rows.first?.phone == nil)
        #expect(rows.first?.keepsPhone == true && rows.first?.keepsLeftOn == true)
        #expect(read(["village,full_name,role,phone,joined_on,left_on", "X,Y,tổ viên,,2025-01-01,"]).rows.first?.keepsPhone == false)
    }

    @Test("Phones, roles and names compared as people mean them")
    func words() {
        #expect(MemberImport.phone("0912 345 678") == "0912345678")
        #expect(MemberImport.phone("84912345678") == "0912345678")
        #expect(MemberImport.phone("+84-912-345-678") == "0912345678")
        #expect(MemberImport.phone("1912345678") == nil)
        #expect(MemberImport.phone("09123456789") == nil)
        #expect(MemberImport.phone("091234567a") == nil)
        #expect(MemberRole(text: "TỔ TRƯỞNG") == .leader && MemberRole(text: "Tổ  phó") == .deputy && MemberRole(text: "thành viên") == .member)
        #expect(MemberRole(text: "trưởng ban") == nil)
        #expect(MemberImport.folded("  Khu  Điền Công 1 ") == "khu dien cong 1")
        #expect(MemberImport.line(["a,b", "c\"d", "e"]) == "\"a,b\",\"c\"\"d\",e")
    }
}
