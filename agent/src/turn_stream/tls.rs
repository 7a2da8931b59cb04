//! Whom a `turns:` server must prove it is: the host in its URL, certified by a CA of this
//! computer (its CA bundle, as every desktop has), or of the file the operator configured
//! (`SUPPORT_AGENT_CA`, PEM), or, on a system without a bundle, of Mozilla's list.

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::CertificateDer;
use rustls::{ClientConfig, RootCertStore};
use std::path::Path;
use std::sync::Arc;

/// Where Linux distributions keep the CA bundle (Debian/Ubuntu, Fedora/RHEL, openSUSE, Alpine/Arch).
const SYSTEM_BUNDLES: &[&str] =
    &["/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt", "/etc/ssl/ca-bundle.pem", "/etc/ssl/cert.pem"];

/// The environment variable naming a PEM file of extra CAs.
pub const CA_ENV: &str = "SUPPORT_AGENT_CA";

fn add_pem(roots: &mut RootCertStore, path: &Path) -> usize {
    let Ok(iter) = CertificateDer::pem_file_iter(path) else { return 0 };
    let certs: Vec<CertificateDer<'static>> = iter.filter_map(Result::ok).collect();
    roots.add_parsable_certificates(certs).0
}

/// The trust anchors: the system's bundle (else Mozilla's), plus `extra`.
pub fn roots(extra: Option<&Path>) -> RootCertStore {
    let mut roots = RootCertStore::empty();
    if let Some(path) = SYSTEM_BUNDLES.iter().map(Path::new).find(|p| p.is_file()) {
        add_pem(&mut roots, path);
    }
    if roots.is_empty() {
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    }
    if let Some(path) = extra {
        if add_pem(&mut roots, path) == 0 {
            tracing::warn!(path = %path.display(), "no CA certificate could be read from this file");
        }
    }
    roots
}

/// A TLS client configuration for TURN servers (rustls on ring, TLS 1.2 and 1.3).
pub fn client_config(extra: Option<&Path>) -> Result<Arc<ClientConfig>, rustls::Error> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = ClientConfig::builder_with_provider(provider).with_safe_default_protocol_versions()?;
    Ok(Arc::new(builder.with_root_certificates(roots(extra)).with_no_client_auth()))
}
