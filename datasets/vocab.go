package datasets

// Licenses maps the licence identifiers a definition may use to the EU
// licence vocabulary IRI (http://publications.europa.eu/resource/authority/licence).
var Licenses = map[string]string{
	"NLOD-2.0":     "http://publications.europa.eu/resource/authority/licence/NLOD_2_0",
	"CC-BY-4.0":    "http://publications.europa.eu/resource/authority/licence/CC_BY_4_0",
	"CC-BY-SA-4.0": "http://publications.europa.eu/resource/authority/licence/CC_BY_SA_4_0",
	"CC0-1.0":      "http://publications.europa.eu/resource/authority/licence/CC0",
	"ODbL-1.0":     "http://publications.europa.eu/resource/authority/licence/ODBL",
}

// Themes are the EU data-theme codes
// (http://publications.europa.eu/resource/authority/data-theme), with their
// bokmål labels.
var Themes = map[string]string{
	"AGRI":      "Jordbruk, fiske, skogbruk og mat",
	"ECON":      "Økonomi og finans",
	"EDUC":      "Utdanning, kultur og sport",
	"ENER":      "Energi",
	"ENVI":      "Miljø",
	"GOVE":      "Forvaltning og offentlig sektor",
	"HEAL":      "Helse",
	"INTR":      "Internasjonale temaer",
	"JUST":      "Justis, rettssystem og allmenn sikkerhet",
	"OP_DATPRO": "Midlertidige data",
	"REGI":      "Regioner og byer",
	"SOCI":      "Befolkning og samfunn",
	"TECH":      "Vitenskap og teknologi",
	"TRAN":      "Transport",
}

// Frequencies are the EU frequency codes a definition may set explicitly.
var Frequencies = map[string]bool{
	"CONT": true, "HOURLY": true, "DAILY": true, "WEEKLY": true, "MONTHLY": true,
	"QUARTERLY": true, "ANNUAL": true, "IRREG": true, "UNKNOWN": true,
}

// Languages are the EU language codes a dataset's language may use.
var Languages = map[string]bool{"NOB": true, "NNO": true, "ENG": true, "SME": true}

// SourceTypes are the source kinds a definition may name.
var SourceTypes = map[string]bool{"csv": true, "xlsx": true, "json": true, "brreg": true, "postgres": true}

// TreatmentActions are the column treatments a definition may ask for.
var TreatmentActions = map[string]bool{"drop": true, "mask": true, "hash": true, "generalise": true, "keep": true}

// ValidOrgNr reports whether s is a 9-digit Norwegian organisation number
// with a valid mod-11 check digit.
func ValidOrgNr(s string) bool {
	if len(s) != 9 {
		return false
	}
	weights := [8]int{3, 2, 7, 6, 5, 4, 3, 2}
	sum := 0
	for i := 0; i < 9; i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
		if i < 8 {
			sum += int(s[i]-'0') * weights[i]
		}
	}
	check := 11 - sum%11
	if check == 11 {
		check = 0
	}
	return check != 10 && check == int(s[8]-'0')
}
