import XCTest

final class MediaServerTestsPlaceholder: XCTestCase {
    func testModuleBuilds() {}
}
