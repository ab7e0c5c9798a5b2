import CFuzzer
import DeploymentFuzz
import DTLSFuzz
import FuzzSupport
import ICETCPFuzz
import JWTFuzz
import LinkFuzz
import RTPFuzz
import SDPFuzz
import SignalingFuzz
import STUNFuzz
import UplinkFuzz

#if canImport(Glibc)
import Glibc
#endif

// `cascade-fuzz TARGET [libFuzzer options] [corpus dirs]`, or `cascade-fuzz list`. The target
// goes into the environment too: libFuzzer's -fork, -jobs and -merge start this program again
// with its own arguments only, and the child must run the same target.
let targets = stunTargets + rtpTargets + sdpTargets + dtlsTargets + iceTCPTargets + signalingTargets
    + uplinkTargets + linkTargets + deploymentTargets + jwtTargets
let environmentKey = "CASCADE_FUZZ_TARGET"

var arguments = CommandLine.arguments
if arguments.count > 1, targets.contains(where: { $0.name == arguments[1] }) {
    setenv(environmentKey, arguments.remove(at: 1), 1)
}
let name = getenv(environmentKey).map { String(cString: $0) }
guard let target = targets.first(where: { $0.name == name }) else {
    if arguments.dropFirst().first != "list" {
        print("usage: cascade-fuzz TARGET [libFuzzer options] [corpus dirs]; the targets:")
    }
    for target in targets { print(target.name) }
    exit(arguments.dropFirst().first == "list" ? 0 : 2)
}

arguments.insert(contentsOf: target.options, at: 1)

// The callback is a C function pointer and captures nothing, so it finds the target here.
nonisolated(unsafe) var selected: FuzzTarget = target

/// libFuzzer's own `main` (linked in, unused: SwiftPM points `main` at this file) calls this name.
@_cdecl("LLVMFuzzerTestOneInput")
func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    selected.run(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}

var argc = CInt(arguments.count)
var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = .allocate(capacity: arguments.count + 1)
for (index, argument) in arguments.enumerated() { argv![index] = strdup(argument) }
argv![arguments.count] = nil
exit(LLVMFuzzerRunDriver(&argc, &argv) { testOneInput($0, $1) })
