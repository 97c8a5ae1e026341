import Foundation
import Testing

/// The package ships its license at the root, where SwiftPM users and GitHub look.
@Suite struct LicenseTests {
    @Test func theRootHoldsTheApacheLicense() throws {
        let root = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let text = try String(contentsOf: root.appendingPathComponent("LICENSE"), encoding: .utf8)
        #expect(text.contains("Apache License") && text.contains("Version 2.0, January 2004"))
        #expect(text.contains("TERMS AND CONDITIONS FOR USE, REPRODUCTION, AND DISTRIBUTION"))
        #expect(text.contains("Copyright 2026 The Arbor Authors"))
    }
}
