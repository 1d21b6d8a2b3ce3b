import Foundation

/// The data folder holds the database, its write-ahead log and the files citizens and officers sent: the
/// server's user alone reads it. Every file the server makes from now on is its user's alone (umask 077), and at
/// each start the folder is made 700 and what it holds 700 (folders) or 600 (files), mending older installs.
enum DataFolder {
    static func secure(_ path: String) {
        umask(0o077)
        let files = FileManager.default
        try? files.createDirectory(atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        try? files.setAttributes([.posixPermissions: 0o700], ofItemAtPath: path)
        guard let walker = files.enumerator(atPath: path) else { return }
        for case let name as String in walker {
            let full = (path as NSString).appendingPathComponent(name)
            var folder: ObjCBool = false
            guard files.fileExists(atPath: full, isDirectory: &folder) else { continue }
            try? files.setAttributes([.posixPermissions: folder.boolValue ? 0o700 : 0o600], ofItemAtPath: full)
        }
    }
}
