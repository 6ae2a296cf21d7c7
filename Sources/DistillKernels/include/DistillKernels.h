#ifndef DISTILL_KERNELS_H
#define DISTILL_KERNELS_H
#include <stddef.h>

/// One Adam step with L2 weight decay over n floats; leaves the gradient zeroed.
/// IEEE-exact elementwise arithmetic with contraction off, so every build and CPU gives the
/// same bits; the AVX2 clone is only faster.
void distill_adam_step(float *p, float *g, float *m, float *v, size_t n,
                       float beta1, float beta2, float weight_decay,
                       float step_size, float bias_correction2_sqrt, float epsilon);

#endif
