package io.llamasae.cli;

import io.llamasae.engine.GpuDevices;
import io.llamasae.engine.Model;
import io.llamasae.engine.ModelInfo;
import io.llamasae.engine.NativeLibrary;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code llama-sae info --model M.gguf}: what the model is and how its layers are numbered. */
@Command(name = "info", mixinStandardHelpOptions = true, description = "Show a GGUF model's architecture and sizes.")
public final class InfoCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, description = "GGUF model file")
    Path model;

    @Override
    public Integer call() {
        try (Model m = Model.load(model)) {
            ModelInfo i = m.info();
            System.out.printf("model:          %s%n", model);
            System.out.printf("architecture:   %s (%s)%n", i.architecture(), i.description());
            System.out.printf("layers:         %d blocks (llama.cpp 0..%d = Hugging Face hidden_states 1..%d)%n", i.nLayer(),
                    i.nLayer() - 1, i.nLayer());
            System.out.printf("n_embd:         %d%n", i.nEmbd());
            System.out.printf("heads:          %d (kv %d)%n", i.nHead(), i.nHeadKv());
            System.out.printf("vocabulary:     %d tokens (bos %d, eos %d, add_bos %b)%n", i.nVocab(), i.bosToken(), i.eosToken(),
                    i.addBos());
            System.out.printf("context:        %d tokens (training)%n", i.nCtxTrain());
            System.out.printf("parameters:     %,d (%,d bytes)%n", i.nParams(), i.sizeBytes());
            System.out.printf("engine:         %s%n", NativeLibrary.version());
            GpuDevices.Discovery gpus = GpuDevices.discover();
            if (gpus.devices().isEmpty()) {
                System.out.printf("gpu:            none (%s)%n", gpus.whyNone());
            }
            for (GpuDevices.Device d : gpus.devices()) {
                System.out.printf("gpu %d:          %s, %.1f GiB, compute capability %s%n", d.index(), d.name(),
                        d.memoryBytes() / (1024.0 * 1024 * 1024), d.computeCapability());
            }
            System.out.printf("cuda hook:      %s%n", NativeLibrary.hasCuda() ? "yes (hook work runs on the GPU)"
                    : NativeLibrary.builtWithCuda() ? "built, but no device" : "not built (-Dllama.sae.cuda=ON)");
        }
        return 0;
    }
}
