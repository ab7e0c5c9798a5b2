import Foundation

/// Watches a deployment file so that adding (or removing) a media node is an edit of the file
/// and nothing else: every process of the deployment picks the change up on its own.
///
/// Polls the file's bytes (it is small, and polling works on every filesystem, including bind
/// mounts and config maps that replace the file by renaming). A change that does not parse or
/// validate is reported and otherwise ignored: the running configuration stays in force.
public struct DeploymentFileWatcher: Sendable {
    public let path: String
    public let interval: Duration

    public init(path: String, interval: Duration = .seconds(2)) {
        self.path = path
        self.interval = interval
    }

    /// Runs until the task is cancelled. `changed` gets each new valid configuration (one that
    /// differs from the last accepted one); `rejected` gets the reason a changed file was refused.
    public func run(current: DeploymentConfiguration,
                    changed: @Sendable (DeploymentConfiguration) async -> Void,
                    rejected: @Sendable (DeploymentError) async -> Void) async {
        var accepted = current
        var lastBytes = FileManager.default.contents(atPath: path).map { [UInt8]($0) }
        while !Task.isCancelled {
            try? await Task.sleep(for: interval)
            guard !Task.isCancelled else { return }
            let bytes = FileManager.default.contents(atPath: path).map { [UInt8]($0) }
            guard bytes != lastBytes else { continue }
            lastBytes = bytes
            do throws(DeploymentError) {
                let configuration = try DeploymentConfiguration.load(path: path)
                guard configuration != accepted else { continue }
                accepted = configuration
                await changed(configuration)
            } catch {
                await rejected(error)
            }
        }
    }
}
