//! Certificate authorities: the embedded CA with Fabric CA semantics. Being written; see issue #3.

/// A certificate-authority rule refused a request.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CaError {
    /// Placeholder until the CA lands.
    #[error("certificate authority: {0}")]
    Refused(String),
}
