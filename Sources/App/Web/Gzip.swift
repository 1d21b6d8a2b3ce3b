import Foundation
import NIOCore
import Vapor
import ThiDuaZlib

/// Gzip made of pieces compressed one by one and joined (as pigz does): each piece is a raw deflate stream ended by
/// a sync flush (byte-aligned, not final), so pieces kept from an earlier answer are joined to new ones without
/// compressing them again; one final empty block and the whole's CRC-32 (combined from the pieces') end it. A piece
/// compressed with what precedes it as its dictionary compresses several times better, and is kept while that
/// stays the same.
enum Gzip {
    struct Piece: Sendable {
        var deflated: [UInt8]
        var crc: UInt32
        var count: Int
    }

    /// `after`: what comes just before the piece in the whole. Compressed with it as the dictionary, the piece may
    /// refer back into it (a unit's part repeats the one before it in shape), and is valid only after it.
    static func piece(_ bytes: [UInt8], after: [UInt8] = []) -> Piece? {
        var stream = z_stream()
        guard deflateInit2_(&stream, 6, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            return nil
        }
        defer { deflateEnd(&stream) }
        if !after.isEmpty {
            // The window's worth at the most: anything further back cannot be referred to.
            let tail = Array(after.suffix(1 << 15))
            let set = tail.withUnsafeBufferPointer { deflateSetDictionary(&stream, $0.baseAddress, uInt($0.count)) }
            guard set == Z_OK else { return nil }
        }
        var input = bytes
        var output = [UInt8](repeating: 0, count: Int(deflateBound(&stream, uLong(bytes.count))) + 16)
        let produced: Int? = input.withUnsafeMutableBufferPointer { inBuffer in
            output.withUnsafeMutableBufferPointer { outBuffer in
                stream.next_in = inBuffer.baseAddress
                stream.avail_in = uInt(inBuffer.count)
                stream.next_out = outBuffer.baseAddress
                stream.avail_out = uInt(outBuffer.count)
                guard deflate(&stream, Z_SYNC_FLUSH) == Z_OK, stream.avail_in == 0 else { return nil }
                return outBuffer.count - Int(stream.avail_out)
            }
        }
        guard let produced else { return nil }
        let crc = bytes.withUnsafeBufferPointer { UInt32(crc32(0, $0.baseAddress, uInt($0.count))) }
        return Piece(deflated: Array(output[..<produced]), crc: crc, count: bytes.count)
    }

    /// One gzip member of the pieces, in order.
    static func join(_ pieces: [Piece]) -> ByteBuffer {
        var buffer = ByteBufferAllocator().buffer(capacity: pieces.reduce(20) { $0 + $1.deflated.count })
        // ID1 ID2, deflate, no flags, no time, no extra flags, unknown system.
        buffer.writeBytes([0x1F, 0x8B, 0x08, 0x00, 0, 0, 0, 0, 0x00, 0xFF])
        var crc: UInt = 0
        var count = 0
        for piece in pieces {
            buffer.writeBytes(piece.deflated)
            crc = crc32_combine(crc, UInt(piece.crc), off_t(piece.count))
            count += piece.count
        }
        // A final fixed-Huffman block holding only its end.
        buffer.writeBytes([0x03, 0x00])
        buffer.writeInteger(UInt32(truncatingIfNeeded: crc), endianness: .little)
        buffer.writeInteger(UInt32(truncatingIfNeeded: count), endianness: .little)
        return buffer
    }

    /// Whether a request's `Accept-Encoding` takes gzip (not refused with `q=0`).
    static func accepted(by headers: HTTPHeaders) -> Bool {
        for field in headers[.acceptEncoding] {
            for item in field.split(separator: ",") {
                let parts = item.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
                guard parts.first == "gzip" || parts.first == "x-gzip" else { continue }
                // `q=0` (or 0.0…) refuses it; any other weight takes it.
                let weight = parts.dropFirst().first { $0.hasPrefix("q=") }.flatMap { Double($0.dropFirst(2)) }
                return weight.map { $0 > 0 } ?? true
            }
        }
        return false
    }
}
