//! Calibration: fitting a scenario's uncertain parameters to target figures.
//!
//! [`smc`] is the sampler (ABC-SMC with an adaptive tolerance), generic over the prior and
//! the simulation so that it is tested on models with a known posterior.

pub mod smc;
