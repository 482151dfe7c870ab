//! One token of one PKCS#11 module: the module loaded and initialised once per process, the
//! slot found by the token's label, a login shared by every session (PKCS#11 logs in an
//! application, not a session), and a small pool of sessions so that many threads sign at once
//! (each session runs one operation at a time).

use super::pin::{self, PinSource};
use super::PKCS11_SCHEME;
use crate::crypto::KeyError;
use cryptoki::context::{CInitializeArgs, CInitializeFlags, Pkcs11};
use cryptoki::error::{Error as CkError, RvError};
use cryptoki::session::{Session, UserType};
use cryptoki::slot::Slot;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, OnceLock};

/// Environment variable: the largest number of sessions a token's pool opens.
pub const ENV_SESSIONS: &str = "WALLET_PKCS11_SESSIONS";

/// A module, loaded and initialised once per process (`C_Initialize` may be called only once).
fn module(path: &Path) -> Result<Pkcs11, KeyError> {
    static MODULES: OnceLock<Mutex<HashMap<PathBuf, Pkcs11>>> = OnceLock::new();
    let mut modules = MODULES.get_or_init(Default::default).lock().unwrap_or_else(|p| p.into_inner());
    if let Some(ctx) = modules.get(path) {
        return Ok(ctx.clone());
    }
    let absent = |detail: String| KeyError::StoreAbsent {
        store: PKCS11_SCHEME.into(),
        what: format!("the PKCS#11 module {}", path.display()),
        detail,
    };
    if !path.exists() {
        return Err(absent("no such file".into()));
    }
    let ctx = Pkcs11::new(path).map_err(|e| absent(format!("it cannot be loaded ({e})")))?;
    match ctx.initialize(CInitializeArgs::new(CInitializeFlags::OS_LOCKING_OK)) {
        Ok(()) | Err(CkError::Pkcs11(RvError::CryptokiAlreadyInitialized, _)) => {}
        Err(e) => return Err(absent(format!("C_Initialize failed ({e})"))),
    }
    modules.insert(path.to_owned(), ctx.clone());
    Ok(ctx)
}

/// A token and its sessions.
pub(crate) struct Token {
    ctx: Pkcs11,
    slot: Slot,
    /// The token's label, for messages.
    pub label: String,
    /// The module's path, for references and messages.
    pub module: PathBuf,
    /// Where the PIN comes from (the latest spec or reference that named a source).
    pin: Mutex<Option<PinSource>>,
    pool: Mutex<Pool>,
    returned: Condvar,
    /// Serialises logins, so a burst of new sessions tries a (possibly wrong) PIN once.
    login: Mutex<bool>,
}

struct Pool {
    idle: Vec<Session>,
    open: usize,
    max: usize,
}

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Token").field("label", &self.label).field("module", &self.module).finish_non_exhaustive()
    }
}

fn max_sessions() -> usize {
    let default = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2).clamp(2, 16);
    std::env::var(ENV_SESSIONS).ok().and_then(|v| v.trim().parse::<usize>().ok()).filter(|n| *n > 0).unwrap_or(default)
}

/// The tokens this process has opened, by module, label and serial: every key of one token
/// shares its pool and login.
pub(crate) fn open(
    module_path: &Path,
    label: &str,
    serial: Option<&str>,
    pin: Option<&PinSource>,
) -> Result<Arc<Token>, KeyError> {
    type Key = (PathBuf, String, Option<String>);
    static TOKENS: OnceLock<Mutex<HashMap<Key, Arc<Token>>>> = OnceLock::new();
    let key = (module_path.to_owned(), label.to_owned(), serial.map(str::to_owned));
    let mut tokens = TOKENS.get_or_init(Default::default).lock().unwrap_or_else(|p| p.into_inner());
    if let Some(token) = tokens.get(&key) {
        if let Some(pin) = pin {
            *token.pin.lock().unwrap_or_else(|p| p.into_inner()) = Some(pin.clone());
        }
        return Ok(token.clone());
    }
    let ctx = module(module_path)?;
    let slots =
        ctx.get_slots_with_token().map_err(|e| classify(e, &format!("list the slots of {}", module_path.display())))?;
    let mut seen = vec![];
    let mut found = None;
    for slot in slots {
        let Ok(info) = ctx.get_token_info(slot) else { continue };
        let (l, s) = (info.label().trim().to_owned(), info.serial_number().trim().to_owned());
        if l == label && serial.is_none_or(|want| want == s) && info.token_initialized() {
            found = Some((slot, info));
            break;
        }
        seen.push(format!("{l:?}"));
    }
    let (slot, info) = found.ok_or_else(|| KeyError::StoreAbsent {
        store: PKCS11_SCHEME.into(),
        what: format!("PKCS#11 token {label:?}"),
        detail: if seen.is_empty() {
            format!("module {} shows no initialised token", module_path.display())
        } else {
            format!("module {} shows {}", module_path.display(), seen.join(", "))
        },
    })?;
    let limit = match info.max_session_count() {
        cryptoki::slot::Limit::Max(n) if n > 0 => usize::try_from(n).unwrap_or(usize::MAX),
        _ => usize::MAX,
    };
    let token = Arc::new(Token {
        ctx,
        slot,
        label: label.to_owned(),
        module: module_path.to_owned(),
        pin: Mutex::new(pin.cloned()),
        pool: Mutex::new(Pool { idle: vec![], open: 0, max: max_sessions().min(limit) }),
        returned: Condvar::new(),
        login: Mutex::new(false),
    });
    tokens.insert(key, token.clone());
    Ok(token)
}

/// Whether an error means the session is no longer usable (it goes, rather than back to the pool).
fn session_is_gone(e: &CkError) -> bool {
    matches!(
        e,
        CkError::Pkcs11(
            RvError::SessionHandleInvalid
                | RvError::SessionClosed
                | RvError::DeviceRemoved
                | RvError::TokenNotPresent
                | RvError::DeviceError,
            _
        )
    )
}

impl Token {
    /// Where this token is, for messages.
    pub fn describe(&self) -> String {
        format!("token {:?} of {}", self.label, self.module.display())
    }

    /// Run `op` on a session of the pool (opened, and the user logged in, when needed). A
    /// session the token dropped is closed and `op` tried once more on a new one; a login that
    /// lapsed is renewed.
    pub fn with_session<T>(&self, op: impl Fn(&Session) -> Result<T, CkError>) -> Result<T, KeyError> {
        let mut retried = false;
        loop {
            let session = self.take()?;
            match op(&session) {
                Ok(v) => {
                    self.give_back(session);
                    return Ok(v);
                }
                Err(CkError::Pkcs11(RvError::UserNotLoggedIn, _)) if !retried => {
                    *self.login.lock().unwrap_or_else(|p| p.into_inner()) = false;
                    let logged = self.ensure_login(&session);
                    self.give_back(session);
                    logged?;
                }
                Err(e) if session_is_gone(&e) && !retried => self.discard(session),
                Err(e) => {
                    if session_is_gone(&e) {
                        self.discard(session);
                    } else {
                        self.give_back(session);
                    }
                    return Err(classify(e, &self.describe()));
                }
            }
            retried = true;
        }
    }

    fn take(&self) -> Result<Session, KeyError> {
        let mut pool = self.pool.lock().unwrap_or_else(|p| p.into_inner());
        loop {
            if let Some(s) = pool.idle.pop() {
                return Ok(s);
            }
            if pool.open < pool.max {
                pool.open += 1;
                drop(pool);
                let opened = self.open_session();
                if opened.is_err() {
                    self.pool.lock().unwrap_or_else(|p| p.into_inner()).open -= 1;
                    self.returned.notify_one();
                }
                return opened;
            }
            pool = self.returned.wait(pool).unwrap_or_else(|p| p.into_inner());
        }
    }

    fn give_back(&self, session: Session) {
        self.pool.lock().unwrap_or_else(|p| p.into_inner()).idle.push(session);
        self.returned.notify_one();
    }

    fn discard(&self, session: Session) {
        drop(session);
        self.pool.lock().unwrap_or_else(|p| p.into_inner()).open -= 1;
        self.returned.notify_one();
    }

    fn open_session(&self) -> Result<Session, KeyError> {
        let session = self.ctx.open_rw_session(self.slot).map_err(|e| classify(e, &self.describe()))?;
        self.ensure_login(&session)?;
        Ok(session)
    }

    /// Log the user in once for the whole application (every later session shares it).
    fn ensure_login(&self, session: &Session) -> Result<(), KeyError> {
        let mut logged_in = self.login.lock().unwrap_or_else(|p| p.into_inner());
        if *logged_in {
            return Ok(());
        }
        let info = self.ctx.get_token_info(self.slot).map_err(|e| classify(e, &self.describe()))?;
        if info.user_pin_locked() {
            return Err(pin_refused(&self.label, true));
        }
        if !info.login_required() {
            *logged_in = true;
            return Ok(());
        }
        let source = self.pin.lock().unwrap_or_else(|p| p.into_inner()).clone();
        let pin = pin::resolve(source.as_ref(), &self.label)?;
        let auth = cryptoki::types::AuthPin::from(pin.as_str());
        match session.login(UserType::User, Some(&auth)) {
            Ok(()) | Err(CkError::Pkcs11(RvError::UserAlreadyLoggedIn, _)) => {
                *logged_in = true;
                Ok(())
            }
            Err(e) => Err(classify(e, &self.describe())),
        }
    }

    /// Whether the token's slot offers `CKM_ECDSA` for signing.
    pub fn supports_ecdsa(&self) -> Result<bool, KeyError> {
        let list = self.ctx.get_mechanism_list(self.slot).map_err(|e| classify(e, &self.describe()))?;
        Ok(list.contains(&cryptoki::mechanism::MechanismType::ECDSA))
    }
}

fn pin_refused(token: &str, locked: bool) -> KeyError {
    KeyError::CredentialRefused {
        store: PKCS11_SCHEME.into(),
        credential: "PIN".into(),
        what: format!("token {token:?}"),
        locked,
    }
}

/// A PKCS#11 failure as the key error a person can act on. `what` names the token (or module).
pub(crate) fn classify(e: CkError, what: &str) -> KeyError {
    let token = what.split('"').nth(1).unwrap_or(what).to_owned();
    match &e {
        CkError::Pkcs11(rv, _) => match rv {
            RvError::PinIncorrect | RvError::PinInvalid | RvError::PinLenRange => pin_refused(&token, false),
            RvError::PinLocked => pin_refused(&token, true),
            RvError::PinExpired => KeyError::CredentialRefused {
                store: PKCS11_SCHEME.into(),
                credential: "PIN (expired)".into(),
                what: format!("token {token:?}"),
                locked: false,
            },
            RvError::TokenNotPresent
            | RvError::DeviceRemoved
            | RvError::TokenNotRecognized
            | RvError::SlotIdInvalid
            | RvError::DeviceError => KeyError::StoreAbsent {
                store: PKCS11_SCHEME.into(),
                what: what.to_owned(),
                detail: format!("{rv:?}: the token was removed or cannot be reached"),
            },
            RvError::MechanismInvalid | RvError::MechanismParamInvalid => KeyError::UnsuitableKey {
                store: PKCS11_SCHEME.into(),
                location: what.to_owned(),
                detail: "the token does not support the mechanism (ECDSA P-256: CKM_EC_KEY_PAIR_GEN, CKM_ECDSA)".into(),
            },
            RvError::KeyFunctionNotPermitted | RvError::KeyTypeInconsistent => KeyError::UnsuitableKey {
                store: PKCS11_SCHEME.into(),
                location: what.to_owned(),
                detail: format!("the key may not sign with ECDSA ({rv:?}): it must be an EC P-256 key with CKA_SIGN"),
            },
            RvError::UserNotLoggedIn | RvError::UserPinNotInitialized => KeyError::CredentialRequired {
                store: PKCS11_SCHEME.into(),
                credential: "PIN".into(),
                what: format!("token {token:?}"),
                sources: format!("{rv:?}"),
            },
            _ => KeyError::store_caused_by(PKCS11_SCHEME, format!("{what}: {rv:?}"), e),
        },
        _ => KeyError::store_caused_by(PKCS11_SCHEME, format!("{what}: {e}"), e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cryptoki::context::Function;

    #[test]
    fn token_errors_become_errors_a_person_can_act_on() {
        let of = |rv| classify(CkError::Pkcs11(rv, Function::Login), "token \"ca\" of /m.so");
        assert!(matches!(of(RvError::PinIncorrect), KeyError::CredentialRefused { locked: false, .. }));
        let locked = of(RvError::PinLocked);
        assert!(matches!(locked, KeyError::CredentialRefused { locked: true, .. }));
        assert!(locked.to_string().contains("the PIN for token \"ca\" was refused and is now locked"), "{locked}");
        assert!(matches!(of(RvError::TokenNotPresent), KeyError::StoreAbsent { .. }));
        assert!(matches!(of(RvError::MechanismInvalid), KeyError::UnsuitableKey { .. }));
        assert!(matches!(of(RvError::GeneralError), KeyError::Store { .. }));
    }

    #[test]
    fn a_module_that_is_not_there_is_named() {
        let e = module(Path::new("/no/such/module.so")).unwrap_err();
        assert!(matches!(e, KeyError::StoreAbsent { .. }));
        assert!(e.to_string().contains("/no/such/module.so") && e.to_string().contains("no such file"), "{e}");
    }
}
