//! The open data catalogue as DCAT-AP 3.0.1 (docs/opendata-design.md §8): the module describes
//! its catalogue, datasets, distributions, data services and publishers with the plain structs
//! below, [`Graph`] turns them into one RDF graph, and [`write`] serialises that graph as Turtle,
//! JSON-LD or RDF/XML (oxttl, oxjsonld, oxrdfxml): one graph by construction, so the three
//! documents say the same. Every linked IRI is typed with the class the official SHACL shapes
//! expect of it (an untyped contact point, landing page or standard fails them), and every
//! `skos:Concept` carries the `skos:prefLabel` they require. No blank nodes: secondary nodes
//! (contact point, period, checksum, place) are fragment IRIs of their dataset, so two
//! documents of the same catalogue name the same nodes.

use oxjsonld::JsonLdSerializer;
use oxrdf::vocab::{rdf, xsd};
use oxrdf::{Literal, NamedNode, Term, Triple};
use oxrdfxml::RdfXmlSerializer;
use oxttl::TurtleSerializer;

/// The namespaces used, with the prefixes written in every document.
pub const PREFIXES: [(&str, &str); 13] = [
    ("dcat", "http://www.w3.org/ns/dcat#"),
    ("dct", "http://purl.org/dc/terms/"),
    ("foaf", "http://xmlns.com/foaf/0.1/"),
    ("vcard", "http://www.w3.org/2006/vcard/ns#"),
    ("skos", "http://www.w3.org/2004/02/skos/core#"),
    ("spdx", "http://spdx.org/rdf/terms#"),
    ("hydra", "http://www.w3.org/ns/hydra/core#"),
    ("locn", "http://www.w3.org/ns/locn#"),
    ("adms", "http://www.w3.org/ns/adms#"),
    ("xsd", "http://www.w3.org/2001/XMLSchema#"),
    ("rdf", "http://www.w3.org/1999/02/22-rdf-syntax-ns#"),
    ("rdfs", "http://www.w3.org/2000/01/rdf-schema#"),
    ("owl", "http://www.w3.org/2002/07/owl#"),
];

const DCAT: &str = "http://www.w3.org/ns/dcat#";
const DCT: &str = "http://purl.org/dc/terms/";
const FOAF: &str = "http://xmlns.com/foaf/0.1/";
const VCARD: &str = "http://www.w3.org/2006/vcard/ns#";
const SKOS: &str = "http://www.w3.org/2004/02/skos/core#";
const SPDX: &str = "http://spdx.org/rdf/terms#";
const HYDRA: &str = "http://www.w3.org/ns/hydra/core#";
const LOCN: &str = "http://www.w3.org/ns/locn#";

/// The EU language authority table's Vietnamese.
pub const LANGUAGE_VIE: &str = "http://publications.europa.eu/resource/authority/language/VIE";

/// A serialisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Turtle,
    JsonLd,
    RdfXml,
}

impl Format {
    pub const ALL: [Format; 3] = [Format::Turtle, Format::JsonLd, Format::RdfXml];

    /// The file extension in addresses (`catalog.ttl`).
    pub fn extension(self) -> &'static str {
        match self {
            Format::Turtle => "ttl",
            Format::JsonLd => "jsonld",
            Format::RdfXml => "rdf",
        }
    }

    pub fn media_type(self) -> &'static str {
        match self {
            Format::Turtle => "text/turtle",
            Format::JsonLd => "application/ld+json",
            Format::RdfXml => "application/rdf+xml",
        }
    }

    pub fn from_extension(ext: &str) -> Option<Format> {
        Format::ALL.into_iter().find(|f| f.extension() == ext)
    }

    /// The format an `Accept` header prefers among the three (quality values honoured, ties
    /// in the header's order); `None` when it accepts none of them. `*/*` or no header: Turtle.
    pub fn negotiate(accept: Option<&str>) -> Option<Format> {
        let Some(accept) = accept.filter(|a| !a.trim().is_empty()) else {
            return Some(Format::Turtle);
        };
        let mut best: Option<(f32, usize, Format)> = None;
        for item in accept.split(',') {
            let mut parts = item.split(';');
            let range = parts.next().unwrap_or("").trim().to_ascii_lowercase();
            let q = parts
                .filter_map(|p| p.trim().strip_prefix("q="))
                .find_map(|v| v.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            if q <= 0.0 {
                continue;
            }
            let format = match range.as_str() {
                "text/turtle" | "application/x-turtle" => Format::Turtle,
                "application/ld+json" | "application/json" => Format::JsonLd,
                "application/rdf+xml" | "application/xml" | "text/xml" => Format::RdfXml,
                "*/*" | "text/*" => Format::Turtle,
                "application/*" => Format::JsonLd,
                _ => continue,
            };
            // Exact types win over wildcards at equal quality.
            let rank = if range.contains('*') { 1 } else { 0 };
            let better = match best {
                None => true,
                Some((bq, brank, _)) => q > bq || (q == bq && rank < brank),
            };
            if better {
                best = Some((q, rank, format));
            }
        }
        best.map(|(_, _, f)| f)
    }
}

/// A `skos:Concept` of a scheme: a theme, a frequency, a publisher type.
#[derive(Debug, Clone, PartialEq)]
pub struct Concept {
    pub iri: String,
    pub label: String,
    /// The label's language (`vi`, `en`).
    pub lang: &'static str,
    /// Extra classes the shapes expect of it where it is used (`dct:Frequency`).
    pub also_a: Option<&'static str>,
    /// Its scheme: address and title.
    pub scheme: Option<(String, String)>,
}

/// A `foaf:Agent`/`foaf:Organization` (a publishing agency, the catalogue's publisher).
#[derive(Debug, Clone, PartialEq)]
pub struct Agent {
    pub iri: String,
    pub name: String,
    /// The agency code.
    pub identifier: Option<String>,
    /// The ADMS publisher type.
    pub kind: Option<Concept>,
}

/// A `dct:LicenseDocument`.
#[derive(Debug, Clone, PartialEq)]
pub struct Licence {
    pub iri: String,
    pub title: String,
}

/// A distribution: one file (or link) of a dataset.
#[derive(Debug, Clone, PartialEq)]
pub struct Distribution {
    pub iri: String,
    pub title: String,
    pub access_url: String,
    pub download_url: Option<String>,
    /// The data service it is also reachable through.
    pub access_service: Option<String>,
    /// EU file-type address (`…/file-type/CSV`).
    pub format: Option<String>,
    /// IANA media type (`text/csv`).
    pub media_type: Option<String>,
    pub licence: Option<Licence>,
    pub byte_size: Option<u64>,
    /// Lower-case hex.
    pub sha256: Option<String>,
    /// `xsd:dateTime` text.
    pub modified: Option<String>,
}

/// A dataset.
#[derive(Debug, Clone, PartialEq)]
pub struct Dataset {
    pub iri: String,
    pub title: String,
    pub description: String,
    /// The language of title and description.
    pub lang: &'static str,
    pub identifier: String,
    pub publisher: Agent,
    /// Name and e-mail address of the contact point (`vcard:Organization`).
    pub contact: Option<(String, String)>,
    pub keywords: Vec<String>,
    pub themes: Vec<Concept>,
    pub frequency: Option<Concept>,
    /// `xsd:dateTime` text.
    pub issued: Option<String>,
    pub modified: Option<String>,
    /// The place covered, as a name.
    pub spatial: Option<String>,
    /// `xsd:date` text, either may be absent.
    pub temporal: (Option<String>, Option<String>),
    pub landing_page: String,
    pub distributions: Vec<Distribution>,
}

/// A `dcat:DataService`.
#[derive(Debug, Clone, PartialEq)]
pub struct DataService {
    pub iri: String,
    pub title: String,
    pub description: String,
    pub endpoint_url: String,
    /// Standards it follows: address and title.
    pub conforms_to: Vec<(String, String)>,
    pub keywords: Vec<String>,
    pub publisher: Option<Agent>,
    /// Datasets described in the same document that it serves.
    pub serves: Vec<String>,
}

/// The page of a paged catalogue (`hydra:PagedCollection`, as ckanext-dcat writes it).
#[derive(Debug, Clone, PartialEq)]
pub struct Paging {
    /// This page's address.
    pub iri: String,
    pub total_items: u64,
    pub items_per_page: u64,
    pub first: String,
    pub last: String,
    pub next: Option<String>,
    pub previous: Option<String>,
}

/// The catalogue (one page of its datasets).
#[derive(Debug, Clone, PartialEq)]
pub struct Catalog {
    pub iri: String,
    pub title: String,
    pub description: String,
    pub lang: &'static str,
    pub homepage: String,
    pub publisher: Agent,
    pub modified: Option<String>,
    /// The fields' concept scheme: address and title.
    pub theme_taxonomy: Vec<(String, String)>,
    pub services: Vec<DataService>,
    pub datasets: Vec<Dataset>,
    pub paging: Option<Paging>,
}

/// One RDF graph of DCAT-AP descriptions, without duplicate triples.
#[derive(Debug, Default)]
pub struct Graph {
    graph: oxrdf::Graph,
}

fn iri(s: &str) -> NamedNode {
    NamedNode::new_unchecked(s)
}

fn term(ns: &str, local: &str) -> NamedNode {
    NamedNode::new_unchecked(format!("{ns}{local}"))
}

impl Graph {
    pub fn new() -> Graph {
        Graph::default()
    }

    pub fn len(&self) -> usize {
        self.graph.len()
    }

    pub fn is_empty(&self) -> bool {
        self.graph.is_empty()
    }

    fn add(&mut self, s: &str, p: NamedNode, o: impl Into<Term>) {
        self.graph.insert(&Triple::new(iri(s), p, o));
    }

    fn link(&mut self, s: &str, ns: &str, local: &str, o: &str) {
        self.add(s, term(ns, local), iri(o));
    }

    fn a(&mut self, s: &str, ns: &str, class: &str) {
        self.add(s, rdf::TYPE.into_owned(), term(ns, class));
    }

    fn text(&mut self, s: &str, ns: &str, local: &str, value: &str) {
        self.add(s, term(ns, local), Literal::new_simple_literal(value));
    }

    fn lang_text(&mut self, s: &str, ns: &str, local: &str, value: &str, lang: &str) {
        let lit = Literal::new_language_tagged_literal_unchecked(value, lang);
        self.add(s, term(ns, local), lit);
    }

    fn typed(
        &mut self,
        s: &str,
        ns: &str,
        local: &str,
        value: &str,
        datatype: oxrdf::NamedNodeRef<'_>,
    ) {
        self.add(
            s,
            term(ns, local),
            Literal::new_typed_literal(value, datatype),
        );
    }

    /// A date-time, or a date when it is only `YYYY-MM-DD`.
    fn when(&mut self, s: &str, ns: &str, local: &str, value: &str) {
        let datatype = if value.len() == 10 {
            xsd::DATE
        } else {
            xsd::DATE_TIME
        };
        self.typed(s, ns, local, value, datatype);
    }

    pub fn concept(&mut self, c: &Concept) {
        self.a(&c.iri, SKOS, "Concept");
        if let Some(class) = c.also_a {
            let (ns, local) = split(class);
            self.a(&c.iri, ns, local);
        }
        self.lang_text(&c.iri, SKOS, "prefLabel", &c.label, c.lang);
        if let Some((scheme, title)) = &c.scheme {
            self.link(&c.iri, SKOS, "inScheme", scheme);
            self.concept_scheme(scheme, title, c.lang);
        }
    }

    fn concept_scheme(&mut self, scheme: &str, title: &str, lang: &str) {
        self.a(scheme, SKOS, "ConceptScheme");
        self.lang_text(scheme, DCT, "title", title, lang);
    }

    pub fn agent(&mut self, a: &Agent) {
        self.a(&a.iri, FOAF, "Agent");
        self.a(&a.iri, FOAF, "Organization");
        self.lang_text(&a.iri, FOAF, "name", &a.name, "vi");
        if let Some(id) = &a.identifier {
            self.text(&a.iri, DCT, "identifier", id);
        }
        if let Some(kind) = &a.kind {
            self.link(&a.iri, DCT, "type", &kind.iri);
            self.concept(kind);
        }
    }

    fn licence(&mut self, l: &Licence) {
        self.a(&l.iri, DCT, "LicenseDocument");
        self.text(&l.iri, DCT, "title", &l.title);
    }

    fn document(&mut self, page: &str) {
        self.a(page, FOAF, "Document");
    }

    pub fn distribution(&mut self, d: &Distribution) {
        let s = d.iri.as_str();
        self.a(s, DCAT, "Distribution");
        self.lang_text(s, DCT, "title", &d.title, "vi");
        self.link(s, DCAT, "accessURL", &d.access_url);
        if let Some(u) = &d.download_url {
            self.link(s, DCAT, "downloadURL", u);
        }
        if let Some(service) = &d.access_service {
            self.link(s, DCAT, "accessService", service);
        }
        if let Some(f) = &d.format {
            self.link(s, DCT, "format", f);
            self.a(f, DCT, "MediaTypeOrExtent");
        }
        if let Some(m) = &d.media_type {
            let m_iri = format!("https://www.iana.org/assignments/media-types/{m}");
            self.link(s, DCAT, "mediaType", &m_iri);
            self.a(&m_iri, DCT, "MediaType");
        }
        if let Some(l) = &d.licence {
            self.link(s, DCT, "license", &l.iri);
            self.licence(l);
        }
        if let Some(n) = d.byte_size {
            self.typed(
                s,
                DCAT,
                "byteSize",
                &n.to_string(),
                xsd::NON_NEGATIVE_INTEGER,
            );
        }
        if let Some(hash) = &d.sha256 {
            let c = format!("{s}-checksum");
            self.link(s, SPDX, "checksum", &c);
            self.a(&c, SPDX, "Checksum");
            let algorithm = format!("{SPDX}checksumAlgorithm_sha256");
            self.link(&c, SPDX, "algorithm", &algorithm);
            self.a(&algorithm, SPDX, "ChecksumAlgorithm");
            self.typed(&c, SPDX, "checksumValue", hash, xsd::HEX_BINARY);
        }
        if let Some(m) = &d.modified {
            self.when(s, DCT, "modified", m);
        }
    }

    pub fn dataset(&mut self, d: &Dataset) {
        let s = d.iri.as_str();
        self.a(s, DCAT, "Dataset");
        self.lang_text(s, DCT, "title", &d.title, d.lang);
        self.lang_text(s, DCT, "description", &d.description, d.lang);
        self.text(s, DCT, "identifier", &d.identifier);
        self.link(s, DCT, "publisher", &d.publisher.iri);
        self.agent(&d.publisher);
        if let Some((name, email)) = &d.contact {
            let c = format!("{s}-contact");
            self.link(s, DCAT, "contactPoint", &c);
            self.a(&c, VCARD, "Kind");
            self.a(&c, VCARD, "Organization");
            self.lang_text(&c, VCARD, "fn", name, d.lang);
            if !email.is_empty() {
                self.link(&c, VCARD, "hasEmail", &format!("mailto:{email}"));
            }
        }
        for k in &d.keywords {
            self.lang_text(s, DCAT, "keyword", k, d.lang);
        }
        for t in &d.themes {
            self.link(s, DCAT, "theme", &t.iri);
            self.concept(t);
        }
        if let Some(f) = &d.frequency {
            self.link(s, DCT, "accrualPeriodicity", &f.iri);
            self.concept(f);
        }
        if let Some(v) = &d.issued {
            self.when(s, DCT, "issued", v);
        }
        if let Some(v) = &d.modified {
            self.when(s, DCT, "modified", v);
        }
        if let Some(place) = d.spatial.as_deref().filter(|p| !p.is_empty()) {
            let l = format!("{s}-spatial");
            self.link(s, DCT, "spatial", &l);
            self.a(&l, DCT, "Location");
            self.lang_text(&l, LOCN, "geographicName", place, d.lang);
        }
        if d.temporal.0.is_some() || d.temporal.1.is_some() {
            let p = format!("{s}-temporal");
            self.link(s, DCT, "temporal", &p);
            self.a(&p, DCT, "PeriodOfTime");
            if let Some(v) = &d.temporal.0 {
                self.when(&p, DCAT, "startDate", v);
            }
            if let Some(v) = &d.temporal.1 {
                self.when(&p, DCAT, "endDate", v);
            }
        }
        self.link(s, DCAT, "landingPage", &d.landing_page);
        self.document(&d.landing_page);
        self.link(s, DCT, "language", LANGUAGE_VIE);
        self.a(LANGUAGE_VIE, DCT, "LinguisticSystem");
        for dist in &d.distributions {
            self.link(s, DCAT, "distribution", &dist.iri);
            self.distribution(dist);
        }
    }

    pub fn service(&mut self, v: &DataService) {
        let s = v.iri.as_str();
        self.a(s, DCAT, "DataService");
        self.lang_text(s, DCT, "title", &v.title, "vi");
        self.lang_text(s, DCT, "description", &v.description, "vi");
        self.link(s, DCAT, "endpointURL", &v.endpoint_url);
        for (standard, title) in &v.conforms_to {
            self.link(s, DCT, "conformsTo", standard);
            self.a(standard, DCT, "Standard");
            self.text(standard, DCT, "title", title);
        }
        for k in &v.keywords {
            self.lang_text(s, DCAT, "keyword", k, "vi");
        }
        if let Some(a) = &v.publisher {
            self.link(s, DCT, "publisher", &a.iri);
            self.agent(a);
        }
        for d in &v.serves {
            self.link(s, DCAT, "servesDataset", d);
        }
    }

    pub fn catalog(&mut self, c: &Catalog) {
        let s = c.iri.as_str();
        self.a(s, DCAT, "Catalog");
        self.lang_text(s, DCT, "title", &c.title, c.lang);
        self.lang_text(s, DCT, "description", &c.description, c.lang);
        self.link(s, FOAF, "homepage", &c.homepage);
        self.document(&c.homepage);
        self.link(s, DCT, "publisher", &c.publisher.iri);
        self.agent(&c.publisher);
        self.link(s, DCT, "language", LANGUAGE_VIE);
        self.a(LANGUAGE_VIE, DCT, "LinguisticSystem");
        if let Some(m) = &c.modified {
            self.when(s, DCT, "modified", m);
        }
        for (scheme, title) in &c.theme_taxonomy {
            self.link(s, DCAT, "themeTaxonomy", scheme);
            self.concept_scheme(scheme, title, c.lang);
        }
        for v in &c.services {
            self.link(s, DCAT, "service", &v.iri);
            self.service(v);
        }
        for d in &c.datasets {
            self.link(s, DCAT, "dataset", &d.iri);
            self.dataset(d);
        }
        if let Some(p) = &c.paging {
            let page = p.iri.as_str();
            self.a(page, HYDRA, "PagedCollection");
            self.typed(
                page,
                HYDRA,
                "totalItems",
                &p.total_items.to_string(),
                xsd::INTEGER,
            );
            self.typed(
                page,
                HYDRA,
                "itemsPerPage",
                &p.items_per_page.to_string(),
                xsd::INTEGER,
            );
            self.text(page, HYDRA, "firstPage", &p.first);
            self.text(page, HYDRA, "lastPage", &p.last);
            if let Some(n) = &p.next {
                self.text(page, HYDRA, "nextPage", n);
            }
            if let Some(n) = &p.previous {
                self.text(page, HYDRA, "previousPage", n);
            }
        }
    }

    /// The triples in a stable order (by subject, predicate, object), so the same catalogue
    /// always gives the same bytes (and the same ETag).
    fn sorted(&self) -> Vec<oxrdf::TripleRef<'_>> {
        let mut triples: Vec<_> = self.graph.iter().collect();
        triples.sort_by_cached_key(|t| {
            (
                t.subject.to_string(),
                t.predicate.to_string(),
                t.object.to_string(),
            )
        });
        triples
    }
}

fn split(class: &'static str) -> (&'static str, &'static str) {
    let (prefix, local) = class.split_once(':').unwrap_or(("", class));
    let ns = PREFIXES
        .iter()
        .find(|(p, _)| *p == prefix)
        .map(|(_, ns)| *ns)
        .unwrap_or("");
    (ns, local)
}

/// `g` in `format`.
pub fn write(g: &Graph, format: Format) -> std::io::Result<Vec<u8>> {
    let triples = g.sorted();
    let prefix_error = |e: oxrdf::IriParseError| std::io::Error::other(e.to_string());
    match format {
        Format::Turtle => {
            let mut s = TurtleSerializer::new();
            for (p, ns) in PREFIXES {
                s = s.with_prefix(p, ns).map_err(prefix_error)?;
            }
            let mut w = s.for_writer(Vec::new());
            for t in triples {
                w.serialize_triple(t)?;
            }
            w.finish()
        }
        Format::JsonLd => {
            let mut s = JsonLdSerializer::new();
            for (p, ns) in PREFIXES {
                s = s.with_prefix(p, ns).map_err(prefix_error)?;
            }
            let mut w = s.for_writer(Vec::new());
            for t in triples {
                w.serialize_quad(t.in_graph(oxrdf::GraphNameRef::DefaultGraph))?;
            }
            w.finish()
        }
        Format::RdfXml => {
            let mut s = RdfXmlSerializer::new();
            for (p, ns) in PREFIXES {
                s = s.with_prefix(p, ns).map_err(prefix_error)?;
            }
            let mut w = s.for_writer(Vec::new());
            for t in triples {
                w.serialize_triple(t)?;
            }
            w.finish()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use oxjsonld::JsonLdParser;
    use oxrdfxml::RdfXmlParser;
    use oxttl::TurtleParser;
    use std::collections::BTreeSet;

    const SITE: &str = "https://tinhso.example.vn";

    fn agency() -> Agent {
        Agent {
            iri: format!("{SITE}/agencies/000.17.22.H56"),
            name: "Sở Tư pháp".into(),
            identifier: Some("000.17.22.H56".into()),
            kind: Some(Concept {
                iri: "http://purl.org/adms/publishertype/RegionalAuthority".into(),
                label: "Regional authority".into(),
                lang: "en",
                also_a: None,
                scheme: None,
            }),
        }
    }

    fn sample() -> Catalog {
        let d = format!("{SITE}/opendata/datasets/ho-tich-2026");
        Catalog {
            iri: format!("{SITE}/opendata/catalog"),
            title: "Danh mục dữ liệu mở".into(),
            description: "Dữ liệu mở của tỉnh \"Số\" <&>".into(),
            lang: "vi",
            homepage: format!("{SITE}/opendata"),
            publisher: agency(),
            modified: Some("2026-11-29T10:00:00Z".into()),
            theme_taxonomy: vec![(format!("{SITE}/opendata/fields"), "Lĩnh vực".into())],
            services: vec![DataService {
                iri: format!("{SITE}/api/3/action/"),
                title: "CKAN Action API".into(),
                description: "Đọc danh mục".into(),
                endpoint_url: format!("{SITE}/api/3/action/"),
                conforms_to: vec![(
                    "https://docs.ckan.org/en/2.11/api/".into(),
                    "CKAN API".into(),
                )],
                keywords: vec!["ckan".into()],
                publisher: Some(agency()),
                serves: vec![format!("{d}#dataset")],
            }],
            datasets: vec![Dataset {
                iri: format!("{d}#dataset"),
                title: "Hộ tịch 2026".into(),
                description: "Số liệu đăng ký khai sinh, kết hôn.\nDòng hai.".into(),
                lang: "vi",
                identifier: "0193-abc".into(),
                publisher: agency(),
                contact: Some(("Phòng Hộ tịch".into(), "hotich@example.vn".into())),
                keywords: vec!["hộ tịch".into(), "khai sinh".into()],
                themes: vec![Concept {
                    iri: "http://publications.europa.eu/resource/authority/data-theme/JUST".into(),
                    label: "Justice, legal system and public safety".into(),
                    lang: "en",
                    also_a: None,
                    scheme: Some((
                        "http://publications.europa.eu/resource/authority/data-theme".into(),
                        "Data theme".into(),
                    )),
                }],
                frequency: Some(Concept {
                    iri: "http://publications.europa.eu/resource/authority/frequency/MONTHLY"
                        .into(),
                    label: "Hằng tháng".into(),
                    lang: "vi",
                    also_a: Some("dct:Frequency"),
                    scheme: None,
                }),
                issued: Some("2026-11-01T08:00:00Z".into()),
                modified: Some("2026-11-29T10:00:00Z".into()),
                spatial: Some("Tỉnh Số".into()),
                temporal: (Some("2026-01-01".into()), None),
                landing_page: d.clone(),
                distributions: vec![Distribution {
                    iri: format!("{d}#resource-1"),
                    title: "Bảng CSV".into(),
                    access_url: format!("{d}/resources/1/download"),
                    download_url: Some(format!("{d}/resources/1/download")),
                    access_service: Some(format!("{SITE}/api/3/action/")),
                    format: Some(
                        "http://publications.europa.eu/resource/authority/file-type/CSV".into(),
                    ),
                    media_type: Some("text/csv".into()),
                    licence: Some(Licence {
                        iri: "https://creativecommons.org/licenses/by/4.0/".into(),
                        title: "CC BY 4.0".into(),
                    }),
                    byte_size: Some(1234),
                    sha256: Some("ab".repeat(32)),
                    modified: Some("2026-11-29T10:00:00Z".into()),
                }],
            }],
            paging: Some(Paging {
                iri: format!("{SITE}/opendata/catalog?page=1"),
                total_items: 1,
                items_per_page: 100,
                first: format!("{SITE}/opendata/catalog?page=1"),
                last: format!("{SITE}/opendata/catalog?page=1"),
                next: None,
                previous: None,
            }),
        }
    }

    fn read(format: Format, bytes: &[u8]) -> BTreeSet<String> {
        match format {
            Format::Turtle => TurtleParser::new()
                .for_slice(bytes)
                .map(|t| t.unwrap().to_string())
                .collect(),
            Format::JsonLd => JsonLdParser::new()
                .for_slice(bytes)
                .map(|q| Triple::from(q.unwrap()).to_string())
                .collect(),
            Format::RdfXml => RdfXmlParser::new()
                .for_slice(bytes)
                .map(|t| t.unwrap().to_string())
                .collect(),
        }
    }

    #[test]
    fn the_three_formats_read_back_as_the_same_graph() {
        let mut g = Graph::new();
        g.catalog(&sample());
        let expected: BTreeSet<String> = g.graph.iter().map(|t| t.to_string()).collect();
        assert!(expected.len() > 60, "{}", expected.len());
        for f in Format::ALL {
            let bytes = write(&g, f).unwrap();
            assert_eq!(read(f, &bytes), expected, "{f:?}");
            assert_eq!(write(&g, f).unwrap(), bytes, "{f:?} is deterministic");
            if let Ok(dir) = std::env::var("DCAT_SAMPLE_DIR") {
                std::fs::write(format!("{dir}/sample.{}", f.extension()), &bytes).unwrap();
            }
        }
    }

    #[test]
    fn linked_nodes_are_typed() {
        let mut g = Graph::new();
        g.catalog(&sample());
        let ttl = String::from_utf8(write(&g, Format::Turtle).unwrap()).unwrap();
        for needle in [
            "a vcard:Kind",
            "a foaf:Document",
            "a dct:Standard",
            "a dct:LicenseDocument",
            "a dct:MediaTypeOrExtent",
            "a dct:MediaType",
            "a dct:LinguisticSystem",
            "a spdx:ChecksumAlgorithm",
            "a dct:PeriodOfTime",
            "a dct:Location",
            "a hydra:PagedCollection",
            "\"1234\"^^xsd:nonNegativeInteger",
            "^^xsd:hexBinary",
            "\"2026-01-01\"^^xsd:date",
        ] {
            assert!(ttl.contains(needle), "{needle} missing in\n{ttl}");
        }
    }

    #[test]
    fn negotiation() {
        let cases: &[(Option<&str>, Option<Format>)] = &[
            (None, Some(Format::Turtle)),
            (Some("*/*"), Some(Format::Turtle)),
            (Some("application/ld+json"), Some(Format::JsonLd)),
            (
                Some("application/rdf+xml;q=0.9, text/turtle;q=0.5"),
                Some(Format::RdfXml),
            ),
            (Some("text/html, */*;q=0.1"), Some(Format::Turtle)),
            (Some("*/*;q=0.8, application/rdf+xml"), Some(Format::RdfXml)),
            (
                Some("text/turtle;q=0, application/ld+json;q=0.2"),
                Some(Format::JsonLd),
            ),
            (Some("text/html"), None),
            (Some("image/png, text/turtle;q=0"), None),
        ];
        for (accept, want) in cases {
            assert_eq!(Format::negotiate(*accept), *want, "{accept:?}");
        }
    }
}
