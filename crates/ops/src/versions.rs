//! Index versions as data (docs/operations-design.md §2): imported from TOML and validated whole
//! (every error with its TOML line and column, nothing stored half), kept with their validity
//! dates, activated with audit. The seeded version is `data/766-2022.toml`, provisional.

use chrono::NaiveDate;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::ops::Range;
use tinhso_domain::ops::index::{self, Checked, Definition, VersionError, VersionErrorKind};
use tinhso_kernel::Ctx;
use tinhso_kernel::audit::{self, Actor, Change};
use tinhso_kernel::db::Conn;
use tinhso_kernel::error::AppError;
use tinhso_kernel::module::BoxFut;
use toml::Spanned;

/// The seeded provisional version of Decision 766/QĐ-TTg.
pub const SEED_766: &str = include_str!("../data/766-2022.toml");

/// Serialises version imports and activations (and the seeding of two nodes starting together).
const VERSIONS_LOCK: i64 = 7_660_001;

/// One problem in an imported TOML file, where it is.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportError {
    /// 1-based; 0 when the problem has no place in the file.
    pub line: usize,
    pub column: usize,
    /// The definition's path (`groups[1].indicators[0].formula`), empty for syntax errors.
    pub path: String,
    pub vi: String,
    pub en: String,
}

impl ImportError {
    /// "dòng 3, cột 11: …".
    pub fn vi_text(&self) -> String {
        if self.line == 0 {
            self.vi.clone()
        } else {
            format!("dòng {}, cột {}: {}", self.line, self.column, self.vi)
        }
    }

    pub fn en_text(&self) -> String {
        if self.line == 0 {
            self.en.clone()
        } else {
            format!("line {}, column {}: {}", self.line, self.column, self.en)
        }
    }
}

/// The import's errors as a 422 (field `definition`, one message per error).
pub fn rejected(errors: &[ImportError]) -> AppError {
    AppError::Validation(
        errors
            .iter()
            .map(|e| tinhso_kernel::error::FieldError::new("definition", e.vi_text()))
            .collect(),
    )
}

/// 1-based line and column (in characters) of byte `at` of `text`.
fn line_col(text: &str, at: usize) -> (usize, usize) {
    let at = at.min(text.len());
    let before = text.get(..at).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[start..].chars().count() + 1)
}

type Sv = Option<Spanned<toml::Value>>;

/// Where the definition's fields are in the file (a lenient mirror of `Definition`).
#[derive(Deserialize, Default)]
struct Spans {
    #[serde(default)]
    code: Sv,
    #[serde(default)]
    title: Sv,
    #[serde(default)]
    valid_from: Sv,
    #[serde(default)]
    valid_to: Sv,
    #[serde(default)]
    constants: BTreeMap<String, Spanned<toml::Value>>,
    #[serde(default)]
    groups: Vec<Spanned<GroupSpans>>,
}

#[derive(Deserialize, Default)]
struct GroupSpans {
    #[serde(default)]
    key: Sv,
    #[serde(default)]
    weight: Sv,
    #[serde(default)]
    indicators: Vec<Spanned<IndicatorSpans>>,
}

#[derive(Deserialize, Default)]
struct IndicatorSpans {
    #[serde(default)]
    key: Sv,
    #[serde(default)]
    weight: Sv,
    #[serde(default)]
    formula: Sv,
}

fn span(v: &Sv) -> Option<Range<usize>> {
    v.as_ref().map(Spanned::span)
}

/// `name[3]` → ("name", Some(3)).
fn segment(s: &str) -> (&str, Option<usize>) {
    match s.split_once('[') {
        Some((name, rest)) => (name, rest.trim_end_matches(']').parse().ok()),
        None => (s, None),
    }
}

impl Spans {
    /// The span of a validation error's path, falling back to the nearest enclosing part.
    fn of(&self, path: &str) -> Option<Range<usize>> {
        let parts: Vec<&str> = path.split('.').collect();
        let (first, gi) = segment(parts.first()?);
        match first {
            "code" => span(&self.code),
            "title" => span(&self.title),
            "valid_from" => span(&self.valid_from),
            "valid_to" => span(&self.valid_to),
            "constants" => self.constants.get(*parts.get(1)?).map(Spanned::span),
            "groups" => {
                let Some(gi) = gi else {
                    return self.groups.first().map(Spanned::span);
                };
                let g = self.groups.get(gi)?;
                let (second, ii) = parts.get(1).map_or(("", None), |p| segment(p));
                match second {
                    "key" => span(&g.get_ref().key).or(Some(g.span())),
                    "weight" => span(&g.get_ref().weight).or(Some(g.span())),
                    "indicators" => {
                        let Some(ii) = ii else {
                            return Some(g.span());
                        };
                        let i = g.get_ref().indicators.get(ii)?;
                        let field = match parts.get(2).copied() {
                            Some("key") => span(&i.get_ref().key),
                            Some("weight") => span(&i.get_ref().weight),
                            Some("formula") => span(&i.get_ref().formula),
                            _ => None,
                        };
                        field.or(Some(i.span()))
                    }
                    _ => Some(g.span()),
                }
            }
            _ => None,
        }
    }
}

/// Reads a version from TOML: a syntax or shape error, with its place, or the definition and
/// where its parts are.
fn read(text: &str) -> Result<(Definition, Spans), Vec<ImportError>> {
    let at = |e: &toml::de::Error| e.span().map_or((0, 0), |s| line_col(text, s.start));
    match toml::from_str::<Definition>(text) {
        Ok(def) => {
            let spans = toml::from_str::<Spans>(text).unwrap_or_default();
            Ok((def, spans))
        }
        Err(e) => {
            let (line, column) = at(&e);
            let message = e.message().trim().to_owned();
            Err(vec![ImportError {
                line,
                column,
                path: String::new(),
                vi: format!("tệp TOML không đúng định dạng phiên bản chỉ số ({message})."),
                en: format!("the TOML is not an index version ({message})."),
            }])
        }
    }
}

/// Places each validation error in the file. A formula error points at its character when the
/// formula is a one-line basic string without escapes.
fn place(text: &str, spans: &Spans, errors: Vec<VersionError>) -> Vec<ImportError> {
    errors
        .into_iter()
        .map(|e| {
            let (mut line, mut column) = spans
                .of(&e.path)
                .map_or((0, 0), |s| line_col(text, s.start));
            if let (VersionErrorKind::Formula(f), Some(s)) = (&e.kind, spans.of(&e.path)) {
                let raw = text.get(s.clone()).unwrap_or("");
                if raw.starts_with('\u{22}') && !raw.contains('\\') && !raw.contains('\n') {
                    // a basic string: '\u{22}' is the double quote
                    let inner = &raw[1..];
                    let pos = f.pos.min(inner.len());
                    if inner.is_char_boundary(pos) {
                        column += 1 + inner[..pos].chars().count();
                    }
                }
            }
            if line == 0 {
                column = 0;
                line = 0;
            }
            ImportError {
                line,
                column,
                path: e.path.clone(),
                vi: e.vi(),
                en: e.en(),
            }
        })
        .collect()
}

/// Parses and validates a version's TOML against the declared sources, the codes already
/// taken, and the active versions (code, from, to) it must not overlap. Pure: the storage is
/// the caller's.
pub fn check_toml(
    text: &str,
    sources: &[&str],
    taken: &[String],
    active: &[(String, NaiveDate, Option<NaiveDate>)],
) -> Result<Checked, Vec<ImportError>> {
    let (def, spans) = read(text)?;
    let mut errors = place(text, &spans, index::overlapping(&def, active));
    if taken.contains(&def.code) {
        let (line, column) = spans.of("code").map_or((0, 0), |s| line_col(text, s.start));
        let code = &def.code;
        errors.push(ImportError {
            line,
            column,
            path: "code".into(),
            vi: format!("code: đã có phiên bản mã {code}; phiên bản mới cần mã mới."),
            en: format!("code: a version {code} already exists; a new version needs a new code."),
        });
    }
    match index::validate(def, sources) {
        Ok(checked) if errors.is_empty() => Ok(checked),
        Ok(_) => Err(errors),
        Err(more) => {
            errors.extend(place(text, &spans, more));
            Err(errors)
        }
    }
}

fn active_spans(all: &[Version], except: &str) -> Vec<(String, NaiveDate, Option<NaiveDate>)> {
    all.iter()
        .filter(|v| v.status == "active" && v.code != except)
        .map(|v| (v.code.clone(), v.valid_from, v.valid_to))
        .collect()
}

/// The names of every source the installed modules declare.
pub fn sources(ctx: &Ctx) -> Vec<&'static str> {
    let mut names: Vec<&'static str> = crate::countings(ctx)
        .flat_map(|c| c.sources.iter().map(|s| s.name))
        .collect();
    names.sort_unstable();
    names
}

/// A stored version.
#[derive(Debug, Clone)]
pub struct Version {
    pub code: String,
    pub status: String,
    pub valid_from: NaiveDate,
    pub valid_to: Option<NaiveDate>,
    pub definition: Definition,
    pub activated_by: Option<String>,
    pub activated_at: Option<String>,
}

impl Version {
    /// The definition checked again (the sources may have changed since the import).
    pub fn checked(&self, ctx: &Ctx) -> Result<Checked, AppError> {
        index::validate(self.definition.clone(), &sources(ctx)).map_err(|errors| {
            let list: Vec<String> = errors.iter().map(VersionError::en).collect();
            AppError::Internal(anyhow::anyhow!(
                "index version {} no longer validates: {}",
                self.code,
                list.join("; ")
            ))
        })
    }
}

/// Every stored version, oldest validity first.
pub async fn list(tx: &mut Conn) -> Result<Vec<Version>, AppError> {
    let rows = crate::store::versions::rows(tx).await?;
    rows.into_iter()
        .map(|(code, status, from, to, def, by, at)| {
            let bad = |what: &str| {
                AppError::Internal(anyhow::anyhow!("ops_index_versions {code}: bad {what}"))
            };
            Ok(Version {
                valid_from: from.parse().map_err(|_| bad("valid_from"))?,
                valid_to: match to {
                    Some(t) => Some(t.parse().map_err(|_| bad("valid_to"))?),
                    None => None,
                },
                definition: serde_json::from_str(&def).map_err(|_| bad("definition"))?,
                code,
                status,
                activated_by: by,
                activated_at: at,
            })
        })
        .collect()
}

/// The active version valid on `day`.
pub async fn active_on(tx: &mut Conn, day: NaiveDate) -> Result<Option<Version>, AppError> {
    Ok(list(tx).await?.into_iter().find(|v| {
        v.status == "active" && v.valid_from <= day && v.valid_to.is_none_or(|t| day <= t)
    }))
}

/// Imports a version as a draft, in one transaction with its audit row. Returns its code, or
/// every error with its place (nothing stored).
pub async fn import(
    ctx: &Ctx,
    actor: &Actor,
    text: &str,
) -> Result<Result<String, Vec<ImportError>>, AppError> {
    let mut tx = ctx.db.begin().await?;
    ctx.db.lock(&mut tx, VERSIONS_LOCK).await?;
    let code = match insert(ctx, &mut tx, actor, text).await? {
        Ok(code) => code,
        Err(errors) => return Ok(Err(errors)),
    };
    tx.commit().await?;
    Ok(Ok(code))
}

async fn insert(
    ctx: &Ctx,
    tx: &mut Conn,
    actor: &Actor,
    text: &str,
) -> Result<Result<String, Vec<ImportError>>, AppError> {
    let all = list(tx).await?;
    let taken: Vec<String> = all.iter().map(|v| v.code.clone()).collect();
    let checked = match check_toml(text, &sources(ctx), &taken, &active_spans(&all, "")) {
        Ok(c) => c,
        Err(errors) => return Ok(Err(errors)),
    };
    let def = &checked.definition;
    let definition = serde_json::to_string(def)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("definition unserialisable: {e}")))?;
    crate::store::versions::insert(
        tx,
        def,
        &definition,
        text,
        &actor.label,
        &tinhso_kernel::time::now_text(),
    )
    .await?;
    audit::record(
        &ctx.db,
        tx,
        actor,
        Change {
            action: "ops.version.imported",
            entity_type: "ops_index_version",
            entity_id: &def.code,
            before: serde_json::Value::Null,
            after: serde_json::json!({
                "code": def.code, "valid_from": def.valid_from, "valid_to": def.valid_to,
                "provisional": def.provisional, "status": "draft",
            }),
        },
    )
    .await?;
    Ok(Ok(def.code.clone()))
}

/// Activates a draft version, with audit. An active version is never changed afterwards.
pub async fn activate(ctx: &Ctx, actor: &Actor, code: &str) -> Result<(), AppError> {
    let mut tx = ctx.db.begin().await?;
    ctx.db.lock(&mut tx, VERSIONS_LOCK).await?;
    activate_in(ctx, &mut tx, actor, code).await?;
    tx.commit().await?;
    Ok(())
}

async fn activate_in(ctx: &Ctx, tx: &mut Conn, actor: &Actor, code: &str) -> Result<(), AppError> {
    let all = list(tx).await?;
    let v = all
        .iter()
        .find(|v| v.code == code)
        .ok_or(AppError::NotFound)?;
    if v.status != "draft" {
        return Err(AppError::Conflict(
            "Phiên bản này không ở trạng thái nháp nên không kích hoạt được.".into(),
        ));
    }
    v.checked(ctx)?;
    if let Some(other) = index::overlapping(&v.definition, &active_spans(&all, code)).first() {
        return Err(AppError::Conflict(other.vi()));
    }
    let now = tinhso_kernel::time::now_text();
    crate::store::versions::set_active(tx, code, &actor.label, &now).await?;
    audit::record(
        &ctx.db,
        tx,
        actor,
        Change {
            action: "ops.version.activated",
            entity_type: "ops_index_version",
            entity_id: code,
            before: serde_json::json!({ "status": "draft" }),
            after: serde_json::json!({ "status": "active" }),
        },
    )
    .await
}

/// Retires an active version (so that a checked version can replace it), with audit.
pub async fn retire(ctx: &Ctx, actor: &Actor, code: &str) -> Result<(), AppError> {
    let mut tx = ctx.db.begin().await?;
    ctx.db.lock(&mut tx, VERSIONS_LOCK).await?;
    let done = crate::store::versions::set_retired(&mut tx, code).await?;
    if done == 0 {
        return Err(AppError::NotFound);
    }
    audit::record(
        &ctx.db,
        &mut tx,
        actor,
        Change {
            action: "ops.version.retired",
            entity_type: "ops_index_version",
            entity_id: code,
            before: serde_json::json!({ "status": "active" }),
            after: serde_json::json!({ "status": "retired" }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// At start: an empty version table gets the seeded provisional 766 version, activated by the
/// system (audited). A seed that no longer validates against the installed modules' sources is
/// left out with a warning rather than stopping the server.
pub fn seed(ctx: &Ctx) -> BoxFut<'_, anyhow::Result<()>> {
    Box::pin(async move {
        let mut tx = ctx.db.begin().await?;
        ctx.db.lock(&mut tx, VERSIONS_LOCK).await?;
        let n = crate::store::versions::count(&mut tx).await?;
        if n > 0 {
            return Ok(());
        }
        let actor = Actor::system();
        match insert(ctx, &mut tx, &actor, SEED_766).await? {
            Ok(code) => activate_in(ctx, &mut tx, &actor, &code).await?,
            Err(errors) => {
                let list: Vec<String> = errors.iter().map(ImportError::en_text).collect();
                tracing::warn!(errors = %list.join("; "), "the seeded 766 index version was not loaded");
                return Ok(());
            }
        }
        tx.commit().await?;
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SOURCES: &[&str] = &[
        "dossier.finished",
        "dossier.finished_on_time",
        "dossier.rated",
        "dossier.rated_satisfied",
        "feedback.answered_late",
        "feedback.dissatisfied",
        "feedback.on_time",
        "feedback.open",
        "feedback.received",
    ];

    #[test]
    fn the_seed_validates_with_the_decision_s_group_weights() {
        let v = check_toml(SEED_766, SOURCES, &[], &[]).unwrap();
        let d = &v.definition;
        assert!(d.provisional);
        let groups: Vec<_> = d
            .groups
            .iter()
            .map(|g| (g.key.as_str(), g.weight))
            .collect();
        assert_eq!(
            groups,
            vec![
                ("publicity", 18.0),
                ("progress", 20.0),
                ("digitisation", 22.0),
                ("online", 22.0),
                ("satisfaction", 18.0)
            ]
        );
        for i in d.groups.iter().flat_map(|g| &g.indicators) {
            assert!(
                !i.source.is_empty() && !i.legal_basis.is_empty(),
                "{}",
                i.key
            );
            // Only 2.1 fills its group, so only its weight is certain.
            assert_eq!(i.provisional, i.key != "2.1", "{}", i.key);
        }
    }

    #[test]
    fn errors_carry_their_line_and_column() {
        let seed = SEED_766.replace("weight = 18\n", "weight = 19\n").replace(
            "ratio(dossier.finished_on_time,",
            "ratio(dossier.finished_ontime,",
        );
        let errors = check_toml(&seed, SOURCES, &[], &[]).unwrap_err();
        let at = |path: &str| {
            let e = errors.iter().find(|e| e.path == path).unwrap();
            (e.line, e.column)
        };
        let line_of = |needle: &str| {
            SEED_766[..SEED_766.find(needle).unwrap()]
                .matches('\n')
                .count()
                + 1
        };
        // The groups' sum points at the first group; the group whose indicators do not sum
        // to its weight at its weight; the unknown source at its own character.
        assert_eq!(at("groups").0, line_of("[[groups]]"));
        assert_eq!(at("groups[0].indicators").0, line_of("[[groups]]"));
        let f = line_of("formula = \"20 * ratio");
        let col = "formula = \"20 * ratio(".chars().count() + 1;
        assert_eq!(at("groups[1].indicators[0].formula"), (f, col));
        assert!(
            errors
                .iter()
                .any(|e| e.vi.contains("dossier.finished_on_time"))
        );

        // A syntax error.
        let errors = check_toml("code = \"x\"\ntitle = \n", SOURCES, &[], &[]).unwrap_err();
        assert_eq!((errors[0].line, errors[0].column), (2, 9));
        assert!(errors[0].vi_text().starts_with("dòng 2, cột 9: tệp TOML"));
        // An unknown field is refused, not ignored.
        let errors = check_toml(
            &SEED_766.replace("when_empty", "whenempty"),
            SOURCES,
            &[],
            &[],
        )
        .unwrap_err();
        assert!(errors[0].en.contains("whenempty"), "{errors:?}");
    }

    #[test]
    fn an_overlapping_or_repeated_version_is_refused() {
        let from = NaiveDate::from_ymd_opt(2025, 1, 1).unwrap();
        let active = vec![("766-moi".to_owned(), from, None)];
        let errors = check_toml(SEED_766, SOURCES, &[], &active).unwrap_err();
        assert_eq!(errors.len(), 1);
        assert!(errors[0].vi.contains("766-moi"));
        assert_eq!(errors[0].path, "valid_from");
        let errors = check_toml(SEED_766, SOURCES, &["766-2022-tam".to_owned()], &[]).unwrap_err();
        assert_eq!(errors[0].path, "code");
        assert_eq!(errors[0].line, 9);
    }
}
