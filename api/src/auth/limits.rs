//! Login attempt limits (governor): per user name and per client address, so guessing one
//! account's password and spraying many accounts from one address are both slowed down.

use std::net::IpAddr;
use std::num::NonZeroU32;

use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

/// The two login limiters.
pub struct LoginLimits {
    per_user: DefaultKeyedRateLimiter<String>,
    per_address: DefaultKeyedRateLimiter<IpAddr>,
}

impl LoginLimits {
    /// `per_user` attempts a minute per user name, `per_address` per client address.
    pub fn new(per_user: u32, per_address: u32) -> LoginLimits {
        let quota =
            |n: u32| Quota::per_minute(NonZeroU32::new(n.max(1)).unwrap_or(NonZeroU32::MIN));
        LoginLimits {
            per_user: RateLimiter::keyed(quota(per_user)),
            per_address: RateLimiter::keyed(quota(per_address)),
        }
    }

    /// Whether another attempt is allowed now (and counts it).
    pub fn allow(&self, username: &str, address: Option<IpAddr>) -> bool {
        let user_ok = self.per_user.check_key(&username.to_lowercase()).is_ok();
        let address_ok = address.is_none_or(|a| self.per_address.check_key(&a).is_ok());
        user_ok && address_ok
    }
}
