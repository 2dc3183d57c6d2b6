//! `cargo run -p tinhso-pades --example validate_pdf -- FILE.pdf ANCHORS.pem [CRL.der…]`: the
//! JSON report of every signature, as the platform would return it.
fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, pdf, anchors, crls @ ..] = args.as_slice() else {
        eprintln!("usage: validate_pdf FILE.pdf ANCHORS.pem [CRL.der…]");
        std::process::exit(2);
    };
    let pdf = std::fs::read(pdf).expect("the PDF reads");
    let trust = tinhso_pades::Trust::from_pem(&std::fs::read(anchors).expect("anchors"), false)
        .expect("anchors parse");
    let data = tinhso_pades::RevocationData {
        ocsp_responses: Vec::new(),
        crls: crls
            .iter()
            .map(|c| std::fs::read(c).expect("CRL reads"))
            .collect(),
    };
    match tinhso_pades::validate(&pdf, &trust, &data, std::time::SystemTime::now()) {
        Ok(report) => {
            let json = serde_json::to_string_pretty(&report).expect("reports serialise");
            std::io::Write::write_all(&mut std::io::stdout(), json.as_bytes()).expect("stdout");
        }
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    }
}
