import XCTest
@testable import Deployment

final class ServiceURLTests: XCTestCase {
    func testAcceptedForms() {
        XCTAssertEqual(ServiceURL("http://10.0.0.1:8081"), ServiceURL(scheme: .http, host: "10.0.0.1", port: 8081))
        XCTAssertEqual(ServiceURL("HTTPS://meet.example.com:443/"), ServiceURL(scheme: .https, host: "meet.example.com", port: 443))
        XCTAssertEqual(ServiceURL("http://[fd00::1]:8081")?.host, "fd00::1")
        XCTAssertEqual(ServiceURL("http://[fd00::1]:8081")?.description, "http://[fd00::1]:8081")
        XCTAssertEqual(ServiceURL("http://node-1:1")?.port, 1)
        XCTAssertEqual(ServiceURL("http://node-1:65535")?.port, 65535)
    }

    func testRejectedForms() {
        for bad in ["", "http://", "http://host", "http://host:", "http://:80", "http://host:99999", "http://host:-1",
                    "http://host:80/x", "http://host:80?x", "http://-host:80", "http://ho st:80", "ws://host:80",
                    "http://fd00::1:8081", "http://[fd00::1]", "http://[fd00::1]x:80", "http://[::1:80"] {
            XCTAssertNil(ServiceURL(bad), bad)
        }
    }
}
