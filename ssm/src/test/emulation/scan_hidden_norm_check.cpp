// scan_hidden_norm.cu on the CUDA emulation of cuda_emulation.h against a float64 reference written as plain loops
// (forward and the analytic backward, itself checked by finite differences in the first case). Built and run by
// HiddenNormScanEmulationTest with the kernel source included as "scan_hidden_norm_emulated.h". Exit 0 and "ALL OK"
// when every output and gradient is within 2e-4 of the reference's largest magnitude (float32 kernels against float64:
// the observed errors are ~1e-7 relative, except sums that cancel, e.g. dB at L = 1, ~2e-5).
#include "cuda_emulation.h"
#include <cstdio>
#include <random>
#include <algorithm>
#include "scan_hidden_norm_emulated.h"

struct Ref {  // double reference of forward and backward
    int B, G, di, L; double eps;
    std::vector<double> u, delta, A, Bm, Cm, D, bias, gamma, beta;  // Bm, Cm (B, G, L)
    std::vector<double> y, du, ddelta, dA, dB, dC, dD, dbias, dgamma, dbeta;
    static double softplus(double x) { return x <= 20 ? std::log1p(std::exp(x)) : x; }
    void run(const std::vector<double>& gy) {
        int D_ = G * di;
        y.assign((size_t)B * D_ * L, 0); du = y; ddelta = y;
        dA.assign(D_, 0); dD = dA; dbias = dA; dgamma.assign(di, 0); dbeta = dgamma;
        dB.assign((size_t)B * G * L, 0); dC = dB;
        for (int b = 0; b < B; b++) for (int g = 0; g < G; g++) {
            std::vector<double> h((size_t)di * L), dt((size_t)di * L), a((size_t)di * L), mean(L), rstd(L);
            auto at = [&](int c, int l) { return ((size_t)b * D_ + g * di + c) * L + l; };
            size_t bc = ((size_t)b * G + g) * L;
            for (int c = 0; c < di; c++) {
                double hh = 0; int d = g * di + c;
                for (int l = 0; l < L; l++) {
                    dt[c * L + l] = softplus(delta[at(c, l)] + bias[d]);
                    a[c * L + l] = std::exp(dt[c * L + l] * A[d]);
                    hh = a[c * L + l] * hh + dt[c * L + l] * Bm[bc + l] * u[at(c, l)];
                    h[c * L + l] = hh;
                }
            }
            for (int l = 0; l < L; l++) {
                double m = 0, v = 0;
                for (int c = 0; c < di; c++) m += h[c * L + l];
                m /= di;
                for (int c = 0; c < di; c++) v += (h[c * L + l] - m) * (h[c * L + l] - m);
                mean[l] = m; rstd[l] = 1 / std::sqrt(v / di + eps);
            }
            std::vector<double> gh((size_t)di * L);
            for (int l = 0; l < L; l++) {
                double sg = 0, sgx = 0, dc = 0;
                for (int c = 0; c < di; c++) {
                    int d = g * di + c;
                    double xh = (h[c * L + l] - mean[l]) * rstd[l];
                    y[at(c, l)] = (xh * gamma[c] + beta[c]) * Cm[bc + l] + D[d] * u[at(c, l)];
                    double gyv = gy[at(c, l)], gg = gyv * Cm[bc + l] * gamma[c];
                    sg += gg; sgx += gg * xh; dc += gyv * (xh * gamma[c] + beta[c]);
                    dgamma[c] += gyv * Cm[bc + l] * xh; dbeta[c] += gyv * Cm[bc + l]; dD[d] += gyv * u[at(c, l)];
                }
                dC[bc + l] = dc;
                for (int c = 0; c < di; c++) {
                    double xh = (h[c * L + l] - mean[l]) * rstd[l], gg = gy[at(c, l)] * Cm[bc + l] * gamma[c];
                    gh[c * L + l] = rstd[l] * (gg - sg / di - xh * sgx / di);
                }
            }
            for (int c = 0; c < di; c++) {
                int d = g * di + c; double carry = 0;
                for (int l = L - 1; l >= 0; l--) {
                    double gt = gh[c * L + l] + carry, dtv = dt[c * L + l], av = a[c * L + l], hp = l ? h[c * L + l - 1] : 0;
                    du[at(c, l)] = gt * dtv * Bm[bc + l] + D[d] * gy[at(c, l)];
                    dB[bc + l] += gt * dtv * u[at(c, l)];
                    double ddt = gt * (Bm[bc + l] * u[at(c, l)] + A[d] * av * hp);
                    dA[d] += gt * dtv * av * hp;
                    double x = delta[at(c, l)] + bias[d];
                    double dd = x <= 20 ? ddt / (1 + std::exp(-x)) : ddt;
                    ddelta[at(c, l)] = dd; dbias[d] += dd;
                    carry = gt * av;
                }
            }
        }
    }
    double loss(const std::vector<double>& gy) { run(gy); double s = 0; for (size_t i = 0; i < y.size(); i++) s += y[i] * gy[i]; return s; }
};

static double maxdiff(const std::vector<double>& a, const std::vector<float>& b, double& scale) {
    double m = 0; scale = 1e-30;
    for (size_t i = 0; i < a.size(); i++) {
        double e = std::abs(a[i] - b[i]);
        m = std::isnan(e) ? INFINITY : std::max(m, e);   // an unwritten (NaN) result fails
        scale = std::max(scale, std::abs(a[i]));
    }
    return m;
}

int run_case(int B, int G, int di, int L, unsigned seed, bool fd) {
    std::mt19937 rng(seed); std::normal_distribution<double> n01; std::uniform_real_distribution<double> u01;
    int D = G * di; size_t N = (size_t)B * D * L, NB = (size_t)B * G * L;
    Ref r{B, G, di, L, 1e-5};
    auto rn = [&](size_t n, double s, double o) { std::vector<double> v(n); for (auto& x : v) x = n01(rng) * s + o; return v; };
    // values rounded to float so both sides see the same inputs
    auto fl = [](std::vector<double> v) { for (auto& x : v) x = (float)x; return v; };
    r.u = fl(rn(N, 1, 0)); r.delta = fl(rn(N, 0.5, 0)); r.A.resize(D); for (auto& x : r.A) x = (float)(-1.5 * u01(rng) - 0.1);
    r.Bm = fl(rn(NB, 1, 0)); r.Cm = fl(rn(NB, 1, 0)); r.D = fl(rn(D, 1, 0)); r.bias = fl(rn(D, 1, 0));
    r.gamma = fl(rn(di, 0.5, 1)); r.beta = fl(rn(di, 0.3, 0));
    std::vector<double> gy = fl(rn(N, 1, 0));
    r.run(gy);
    auto tf = [](const std::vector<double>& v) { return std::vector<float>(v.begin(), v.end()); };
    auto u = tf(r.u), delta = tf(r.delta), A = tf(r.A), Bm = tf(r.Bm), Cm = tf(r.Cm), Dk = tf(r.D), bias = tf(r.bias), gamma = tf(r.gamma), beta = tf(r.beta), gyf = tf(gy);
    // B as row 1 of a (B, G, 3, L) buffer (x_proj's output), C contiguous (B, G, L): different strides
    std::vector<float> Bwide((size_t)B * G * 3 * L, NAN);
    for (size_t bg = 0; bg < (size_t)B * G; bg++) for (int l = 0; l < L; l++) Bwide[(bg * 3 + 1) * L + l] = Bm[bg * L + l];
    const float* Bview = Bwide.data() + L;
    int bad = 0;
    // the plain and the prefetching kernels (their staged tiles and rows added to shared memory), with tiles of 16
    // positions (w10) and of 8 (w20t8)
    for (int kind = 0; kind < 4; kind++) {
        int pf = kind % 2, TP = kind < 2 ? 16 : 8, T = (L + TP - 1) / TP, tileFloats = 32 * (TP + 1);
        std::vector<float> y(N, NAN), mean(NB, NAN), rstd(NB, NAN), states((size_t)B * D * T, NAN);
        int warps = di / 32; size_t smem = 4 * (warps * tileFloats + warps * TP + 6 * TP);
        size_t smemF = smem + (pf ? 4 * (warps * 2 * tileFloats + 2 * 2 * TP) : 0), smemB = smem + (pf ? 4 * (warps * 3 * tileFloats + 2 * 4 * TP) : 0);
        auto fwd = kind == 0 ? scan_hidden_norm_fwd_w10 : kind == 1 ? scan_hidden_norm_fwd_pw10 : kind == 2 ? scan_hidden_norm_fwd_w20t8 : scan_hidden_norm_fwd_pw20t8;
        auto bwd = kind == 0 ? scan_hidden_norm_bwd_w10 : kind == 1 ? scan_hidden_norm_bwd_pw10 : kind == 2 ? scan_hidden_norm_bwd_w20t8 : scan_hidden_norm_bwd_pw20t8;
        emu_launch(B * G, di, smemF, [&] { fwd(u.data(), delta.data(), A.data(), Bview, Cm.data(), (long long)G * 3 * L, 3 * L, (long long)G * L, L,
            Dk.data(), bias.data(), gamma.data(), beta.data(), y.data(), mean.data(), rstd.data(), states.data(), G, di, L, 1e-5f); });
        std::vector<float> du(N, NAN), dd(N, NAN), dB(NB, NAN), dC(NB, NAN), part((size_t)B * G * 5 * di, NAN), pc((size_t)G * 5 * di, NAN);
        emu_launch(B * G, di, smemB, [&] { bwd(u.data(), delta.data(), A.data(), Bview, Cm.data(), (long long)G * 3 * L, 3 * L, (long long)G * L, L,
            Dk.data(), bias.data(), gamma.data(), beta.data(), mean.data(), rstd.data(), states.data(), gyf.data(), du.data(), dd.data(),
            dB.data(), dC.data(), part.data(), G, di, L); });
        emu_launch(1, 64, 0, [&] { scan_hidden_norm_rows_sum(part.data(), B, G * 5 * di, pc.data()); });
        std::vector<float> dA(D), dDk(D), dbias(D), dgamma(di, 0), dbeta(di, 0);
        for (int g = 0; g < G; g++) for (int c = 0; c < di; c++) {
            dA[g * di + c] = pc[(g * 5 + 0) * di + c]; dDk[g * di + c] = pc[(g * 5 + 1) * di + c]; dbias[g * di + c] = pc[(g * 5 + 2) * di + c];
            dgamma[c] += pc[(g * 5 + 3) * di + c]; dbeta[c] += pc[(g * 5 + 4) * di + c];
        }
        const char* names[] = {"y", "du", "ddelta", "dA", "dB", "dC", "dD", "dbias", "dgamma", "dbeta"};
        std::vector<double>* refs[] = {&r.y, &r.du, &r.ddelta, &r.dA, &r.dB, &r.dC, &r.dD, &r.dbias, &r.dgamma, &r.dbeta};
        std::vector<float>* got[] = {&y, &du, &dd, &dA, &dB, &dC, &dDk, &dbias, &dgamma, &dbeta};
        printf("case B=%d G=%d di=%d L=%d tile %d%s:", B, G, di, L, TP, pf ? " prefetching" : "");
        for (int i = 0; i < 10; i++) {
            double scale, e = maxdiff(*refs[i], *got[i], scale);
            bool ok = e <= 2e-4 * std::max(1.0, scale);
            bad += !ok;
            printf(" %s %.1e%s", names[i], e / std::max(1.0, scale), ok ? "" : "(BAD)");
        }
        printf("\n");
    }
    if (fd) {  // finite differences of the double reference: sum(y·gy) against its analytic gradients
        auto check = [&](std::vector<double>& x, const std::vector<double>& an, const char* nm) {
            double worst = 0;
            for (int t = 0; t < 5; t++) {
                size_t i = rng() % x.size(); double keep = x[i], h = 1e-6;
                x[i] = keep + h; double lp = r.loss(gy); x[i] = keep - h; double lm = r.loss(gy); x[i] = keep;
                worst = std::max(worst, std::abs((lp - lm) / (2 * h) - an[i]) / std::max(1.0, std::abs(an[i])));
            }
            printf("  fd %s %.1e\n", nm, worst);
            bad += worst > 1e-5;
        };
        r.run(gy);
        auto du0 = r.du, dd0 = r.ddelta, dA0 = r.dA, dB0 = r.dB, dC0 = r.dC, dD0 = r.dD, db0 = r.dbias, dg0 = r.dgamma, dbe0 = r.dbeta;
        check(r.u, du0, "u"); check(r.delta, dd0, "delta"); check(r.A, dA0, "A"); check(r.Bm, dB0, "B"); check(r.Cm, dC0, "C");
        check(r.D, dD0, "D"); check(r.bias, db0, "bias"); check(r.gamma, dg0, "gamma"); check(r.beta, dbe0, "beta");
    }
    return bad;
}

int main() {
    int bad = 0;
    bad += run_case(1, 2, 32, 7, 1, true);
    bad += run_case(2, 2, 64, 37, 2, false);
    bad += run_case(1, 1, 32, 16, 3, false);
    bad += run_case(2, 3, 32, 1, 4, false);
    bad += run_case(1, 2, 160, 50, 5, false);
    printf(bad ? "FAILED %d\n" : "ALL OK\n", bad);
    return bad != 0;
}
