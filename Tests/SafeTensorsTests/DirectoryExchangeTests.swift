import ArborTestSupport
import Foundation
@testable import SafeTensors
import Testing

/// Replacing a directory must never leave a moment without one: `convert --force`
/// and a re-saved checkpoint step used to rename the old one aside first, so a
/// `kill -9` between the two renames left no DST at all.
@Suite struct DirectoryExchangeTests {
    private func makeDirectory(_ url: URL, marker: String) throws {
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        try Data(marker.utf8).write(to: url.appendingPathComponent("marker"))
    }

    private func marker(_ url: URL) throws -> String {
        String(decoding: try Data(contentsOf: url.appendingPathComponent("marker")), as: UTF8.self)
    }

    @Test func exchangeSwapsTwoDirectoriesInOneStep() throws {
        let temp = try TemporaryDirectory()
        let a = temp.file("a"), b = temp.file("b")
        try makeDirectory(a, marker: "new")
        try makeDirectory(b, marker: "old")
        let swapped = try DurableFileSystem.exchange(a, b)
        #if os(Linux)
        // Every Linux file system this runs on (ext4, xfs, btrfs, tmpfs, overlayfs) exchanges.
        #expect(swapped)
        #endif
        if swapped {
            #expect(try marker(b) == "new")
            #expect(try marker(a) == "old")
        }
    }

    @Test func moveIntoPlaceReplacesWithoutLeavingAnAsideCopy() throws {
        let temp = try TemporaryDirectory()
        let staging = temp.file(".staging"), target = temp.file("model")
        try makeDirectory(staging, marker: "new")
        try makeDirectory(target, marker: "old")
        try DurableFileSystem.moveIntoPlace(staging, at: target)
        #expect(try marker(target) == "new")
        let names = try FileManager.default.contentsOfDirectory(atPath: temp.url.path)
        #expect(names == ["model"], "the old copy is removed, nothing else is left: \(names)")
    }

    @Test func exchangeOfAMissingEntryThrowsNamingIt() throws {
        let temp = try TemporaryDirectory()
        let a = temp.file("a")
        try makeDirectory(a, marker: "x")
        #if os(Linux)
        #expect(throws: FileIOError.self) { _ = try DurableFileSystem.exchange(a, temp.file("missing")) }
        #endif
    }
}
