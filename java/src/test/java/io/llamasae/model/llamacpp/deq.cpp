// Throwaway: dequantize every tensor of a GGUF with ggml's own to_float, write float32 blobs (name order) to out.
#include "ggml.h"
#include "gguf.h"
#include <cstdio>
#include <cstring>
#include <vector>
int main(int argc, char ** argv) {
    ggml_context * meta = nullptr;
    gguf_init_params p = { /*no_alloc*/ true, &meta };
    gguf_context * g = gguf_init_from_file(argv[1], p);
    if (!g) { fprintf(stderr, "gguf load failed\n"); return 1; }
    FILE * in = fopen(argv[1], "rb"); FILE * out = fopen(argv[2], "wb");
    for (int64_t i = 0; i < gguf_get_n_tensors(g); i++) {
        const char * name = gguf_get_tensor_name(g, i);
        ggml_tensor * t = ggml_get_tensor(meta, name);
        size_t nb = ggml_nbytes(t); std::vector<uint8_t> raw(nb); std::vector<float> f(ggml_nelements(t));
        fseek(in, gguf_get_data_offset(g) + gguf_get_tensor_offset(g, i), SEEK_SET);
        if (fread(raw.data(), 1, nb, in) != nb) return 1;
        if (t->type == GGML_TYPE_F32) memcpy(f.data(), raw.data(), nb);
        else ggml_get_type_traits(t->type)->to_float(raw.data(), f.data(), ggml_nelements(t));
        fwrite(f.data(), 4, f.size(), out);
    }
    fclose(out); return 0;
}
