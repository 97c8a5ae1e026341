import Arbor
import ArgumentParser

/// The `arbor` command: inspect, convert, compare and verify model state on disk.
@main
struct ArborCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "arbor",
        abstract: "Neural-network model state: safetensors files, state dicts and checkpoints.",
        version: arborVersion,
        subcommands: [
            DemoCommand.self,
            InspectCommand.self,
            ConvertCommand.self,
            DiffCommand.self,
            GenerateCommand.self,
            EmbedCommand.self,
            CheckpointsCommand.self,
            VerifyCommand.self,
            TrainCommand.self,
        ]
    )
}
