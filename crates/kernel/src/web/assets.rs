//! The files each crate brings to the pages: its templates (`templates/`) and its translations
//! (`locales/vi.toml`, `en.toml`, `messages.en.toml`), embedded in that crate. A module declares
//! them with [`assets!`](crate::assets) in its manifest; the binary installs every module's at
//! start ([`install`]), and the template loader and the translator read them all as one. So the
//! kernel holds no module's page or string, and editing a module's template rebuilds that module.

use std::borrow::Cow;
use std::sync::OnceLock;

pub use rust_embed;

/// One crate's templates and translations.
#[derive(Clone, Copy)]
pub struct Assets {
    pub template: fn(&str) -> Option<Cow<'static, [u8]>>,
    pub template_names: fn() -> Vec<Cow<'static, str>>,
    pub locale: fn(&str) -> Option<Cow<'static, [u8]>>,
}

impl Assets {
    /// A crate without pages.
    pub const NONE: Assets = Assets {
        template: |_| None,
        template_names: Vec::new,
        locale: |_| None,
    };

    /// The assets of two embedded folders: templates and locales.
    pub const fn of<T: rust_embed::Embed, L: rust_embed::Embed>() -> Assets {
        Assets {
            template: file::<T>,
            template_names: names::<T>,
            locale: file::<L>,
        }
    }
}

fn file<E: rust_embed::Embed>(name: &str) -> Option<Cow<'static, [u8]>> {
    E::get(name).map(|f| f.data)
}

fn names<E: rust_embed::Embed>() -> Vec<Cow<'static, str>> {
    E::iter().collect()
}

/// The calling crate's `templates/` and `locales/` folders, as [`Assets`] (either folder may
/// be missing). In debug builds the files are read from disk, so an edited template shows on
/// the next request without a rebuild.
#[macro_export]
macro_rules! assets {
    () => {{
        #[derive($crate::web::assets::rust_embed::Embed)]
        #[crate_path = "::tinhso_kernel::web::assets::rust_embed"]
        #[folder = "templates/"]
        #[allow_missing = true]
        struct Templates;
        #[derive($crate::web::assets::rust_embed::Embed)]
        #[crate_path = "::tinhso_kernel::web::assets::rust_embed"]
        #[folder = "locales/"]
        #[allow_missing = true]
        struct Locales;
        $crate::web::assets::Assets::of::<Templates, Locales>()
    }};
}

static INSTALLED: OnceLock<Vec<Assets>> = OnceLock::new();
static KERNEL: Assets = crate::platform::MODULE.assets;

/// Makes the modules' assets those of every page; the first call wins (the module list does
/// not change while a process runs).
pub fn install(all: Vec<Assets>) {
    let _ = INSTALLED.set(all);
}

/// The installed assets, or the kernel's own before any module's are installed (unit tests).
pub fn installed() -> &'static [Assets] {
    match INSTALLED.get() {
        Some(all) => all,
        None => std::slice::from_ref(&KERNEL),
    }
}

/// The template called `name`, from whichever crate brings it.
pub fn template(name: &str) -> Option<String> {
    installed()
        .iter()
        .find_map(|a| (a.template)(name))
        .map(|data| String::from_utf8_lossy(&data).into_owned())
}

/// Every template name of every installed crate.
pub fn template_names() -> Vec<String> {
    installed()
        .iter()
        .flat_map(|a| (a.template_names)())
        .map(Cow::into_owned)
        .collect()
}

/// The locale file called `name` (`vi.toml`, …) of each installed crate that has one.
pub fn locale_files(name: &str) -> Vec<String> {
    installed()
        .iter()
        .filter_map(|a| (a.locale)(name))
        .map(|data| String::from_utf8_lossy(&data).into_owned())
        .collect()
}
