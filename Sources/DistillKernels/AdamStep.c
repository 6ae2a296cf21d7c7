#include "DistillKernels.h"

// No FMA contraction: a fused multiply-add rounds differently from multiply-then-add, and
// results must not depend on which clone runs.
#pragma clang fp contract(off)

__attribute__((target_clones("avx2", "default")))
void distill_adam_step(float *restrict p, float *restrict g, float *restrict m, float *restrict v, size_t n,
                       float beta1, float beta2, float weight_decay,
                       float step_size, float bias_correction2_sqrt, float epsilon) {
    const float one_minus_beta1 = 1.0f - beta1, one_minus_beta2 = 1.0f - beta2;
    for (size_t i = 0; i < n; i++) {
        const float grad = g[i] + weight_decay * p[i];
        const float mi = beta1 * m[i] + one_minus_beta1 * grad;
        const float vi = beta2 * v[i] + one_minus_beta2 * grad * grad;
        m[i] = mi;
        v[i] = vi;
        g[i] = 0.0f;
        p[i] = p[i] - step_size * mi / (__builtin_sqrtf(vi) / bias_correction2_sqrt + epsilon);
    }
}
