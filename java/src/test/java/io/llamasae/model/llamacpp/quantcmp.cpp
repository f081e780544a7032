// Throwaway: quantize F32 model tensors with ggml_quantize_chunk and compare bytes with a Java-written model.
#include "ggml.h"
#include "gguf.h"
#include <cstdio>
#include <cstring>
#include <vector>
#include <string>
static std::vector<uint8_t> read_tensor(gguf_context * g, FILE * f, int64_t i, size_t nb) {
    std::vector<uint8_t> raw(nb); fseek(f, gguf_get_data_offset(g) + gguf_get_tensor_offset(g, i), SEEK_SET);
    if (fread(raw.data(), 1, nb, f) != nb) { fprintf(stderr, "short read\n"); }
    return raw;
}
int main(int argc, char ** argv) {
    ggml_context *m1 = nullptr, *m2 = nullptr;
    gguf_context * g1 = gguf_init_from_file(argv[1], { true, &m1 });
    gguf_context * g2 = gguf_init_from_file(argv[2], { true, &m2 });
    FILE * f1 = fopen(argv[1], "rb"); FILE * f2 = fopen(argv[2], "rb");
    long tensors = 0, diff_bytes = 0, total = 0;
    for (int64_t i = 0; i < gguf_get_n_tensors(g1); i++) {
        const char * name = gguf_get_tensor_name(g1, i);
        ggml_tensor * t1 = ggml_get_tensor(m1, name); ggml_tensor * t2 = ggml_get_tensor(m2, name);
        int64_t j = gguf_find_tensor(g2, name);
        if (t2->type == GGML_TYPE_F32) continue;
        auto src = read_tensor(g1, f1, i, ggml_nbytes(t1));
        auto theirs = read_tensor(g2, f2, j, ggml_nbytes(t2));
        std::vector<uint8_t> mine(ggml_nbytes(t2));
        ggml_quantize_chunk(t2->type, (const float *) src.data(), mine.data(), 0, ggml_nrows(t2), t2->ne[0], nullptr);
        for (size_t k = 0; k < mine.size(); k++) diff_bytes += mine[k] != theirs[k];
        total += mine.size(); tensors++;
    }
    printf("%s vs ggml_quantize_chunk: %ld tensors, %ld of %ld bytes differ\n", argv[2], tensors, diff_bytes, total);
}
