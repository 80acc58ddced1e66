/**
 * What the GPU did while a run measured, read through NVML (the NVIDIA driver's {@code libnvidia-ml.so.1}): power
 * and energy per measured point (joules per output token and per query), SM and memory clocks, temperature, the
 * reasons the clocks were held down, ECC error counts and retired pages.
 *
 * <p>A {@link dev.tokenmeter.telemetry.TelemetrySession} is opened for the run's device; it samples in the
 * background, marks one window per point, and hands back a {@link dev.tokenmeter.telemetry.DeviceTelemetry} that the
 * result's environment keeps. A run without an NVIDIA GPU, or a host without NVML, gets a record saying why, and a
 * failure of NVML during a run never fails the run. The counters are read through one narrow interface,
 * {@link dev.tokenmeter.telemetry.GpuCounters}, so that the session's arithmetic is tested with a fake; the NVML
 * implementation itself is compiled on hosts without a GPU and only exercised where a driver is present.
 */
package dev.tokenmeter.telemetry;
