import ArborCheckpoint
import Foundation

extension ModelConverter {
    /// What a conversion reads: a safetensors file, a Hugging Face model
    /// directory, or an Arbor checkpoint (a step directory, or a run directory
    /// of `step_N` directories meaning its latest complete step, or `step`).
    public struct Source: Sendable, Equatable {
        /// The kinds of source, recognised from what is on disk.
        public enum Kind: Sendable, Equatable {
            /// One `.safetensors` file, or one PyTorch `.bin`/`.pt`/`.pth` file.
            case safetensorsFile
            /// A model directory: config files beside one file or shards with an
            /// index (safetensors, or PyTorch `.bin` when it has no safetensors).
            case huggingFaceDirectory
            /// An Arbor checkpoint or a run directory of them.
            case checkpoint
        }

        /// The path given (an index JSON stands for its directory).
        public var url: URL
        /// What `url` holds.
        public var kind: Kind
        /// The State item of a checkpoint to read (default: `model`, or the only State item).
        public var item: String?
        /// The step of a run directory (default: the latest complete step).
        public var step: Int?

        /// Recognises `url`: a directory holding `checkpoint.json`, or `step_N`
        /// directories and no safetensors files, is a checkpoint; anything
        /// else is read as safetensors. `item` and `step` apply to checkpoints
        /// only and are refused for anything else.
        ///
        /// ```swift
        /// let source = try ModelConverter.Source(URL(fileURLWithPath: "runs/gpt2"), step: 1000)
        /// ```
        public init(_ url: URL, item: String? = nil, step: Int? = nil) throws(ModelConverterError) {
            var isDirectory: ObjCBool = false
            let exists = FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory)
            if exists, isDirectory.boolValue, CheckpointDirectory.isStep(url)
                || (!Self.containsSafeTensors(url) && CheckpointDirectory.isRun(url)) {
                self.init(url: url, kind: .checkpoint, item: item, step: step)
                return
            }
            if exists {
                let reason = "\(url.path) is not an Arbor checkpoint; it applies only to a checkpoint SRC"
                if item != nil { throw .optionNotApplicable(option: "--item", reason: reason) }
                if step != nil { throw .optionNotApplicable(option: "--step", reason: reason) }
            }
            let isIndex = url.lastPathComponent.hasSuffix(".safetensors.index.json")
                || url.lastPathComponent.hasSuffix(".bin.index.json")
            self.init(url: url, kind: isDirectory.boolValue || isIndex ? .huggingFaceDirectory : .safetensorsFile,
                      item: nil, step: nil)
        }

        /// A source of a known kind, without looking at the disk.
        public init(url: URL, kind: Kind, item: String? = nil, step: Int? = nil) {
            self.url = url
            self.kind = kind
            self.item = item
            self.step = step
        }

        /// Whether a directory holds safetensors files (a model directory, not a run directory).
        private static func containsSafeTensors(_ url: URL) -> Bool {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []
            return names.contains { $0.hasSuffix(".safetensors") || $0.hasSuffix(".safetensors.index.json") }
            || PyTorchCollection.recognises(url)
        }
    }
}
