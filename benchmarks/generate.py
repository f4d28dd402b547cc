"""Generate a synthetic dataset of our model, of about N triples, that conforms to the shapes.

Clusters, organisations and memberships follow the shipped data exactly (same classes,
properties, ru/en labels, concept schemes), only many more of them; the shipped concept
schemes and provenance are copied alongside, so the folder can be served as it is:

    python benchmarks/generate.py OUT_DIR [--triples 100000]
    clusterld serve --data OUT_DIR
"""

from __future__ import annotations

import argparse
import random
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BASE = "https://clusterld.example/tomsk/"
SOURCE = f"<{BASE}id/source/cluster-policy-2021-03-31>"
INDUSTRIES = [
    "agro-industry",
    "construction",
    "education",
    "forest-industry",
    "healthcare",
    "industry",
    "information-technology",
    "services",
    "transport",
]
LEGAL_FORMS = ("ogbpou", "ooo", "ao", "pao", "fbu", "mbou")
KINDS = {
    "ogbpou": "vocational-education-organisation",
    "ooo": "commercial-organisation",
    "ao": "industrial-enterprise",
    "pao": "industrial-enterprise",
    "fbu": "government-body",
    "mbou": "general-education-school",
}
ROLES = ("participant", "partner")
SYLLABLES_RU = [
    "то",
    "мск",
    "ар",
    "ка",
    "си",
    "бир",
    "ле",
    "сно",
    "во",
    "про",
    "мыш",
    "лен",
    "ный",
    "тех",
    "ни",
    "кум",
]
SYLLABLES_EN = [
    "to",
    "msk",
    "ar",
    "ka",
    "si",
    "bir",
    "le",
    "sno",
    "vo",
    "pro",
    "mysh",
    "len",
    "ny",
    "tekh",
    "ni",
    "kum",
]
PREFIXES = f"""@prefix cld: <https://w3id.org/clusterld/ontology#> .
@prefix org: <http://www.w3.org/ns/org#> .
@prefix rov: <http://www.w3.org/ns/regorg#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix schema: <http://schema.org/> .
@prefix c: <{BASE}id/cluster/> .
@prefix o: <{BASE}id/org/> .
@prefix m: <{BASE}id/membership/> .
@prefix concept: <{BASE}id/concept/> .

"""
TRIPLES_PER_CLUSTER = 255  # one cluster, its ~13 memberships and its 8 organisations


def name(rng: random.Random) -> tuple[str, str]:
    """A pronounceable name in Russian and its transliteration."""
    picks = [rng.randrange(len(SYLLABLES_RU)) for _ in range(rng.randint(2, 4))]
    ru = "".join(SYLLABLES_RU[i] for i in picks).capitalize()
    en = "".join(SYLLABLES_EN[i] for i in picks).capitalize()
    return ru, en


def labels(ru: str, en: str) -> str:
    return (
        f'    rdfs:label "{ru}"@ru, "{en}"@en ;\n'
        f'    skos:prefLabel "{ru}"@ru, "{en}"@en ;\n'
        f"    dcterms:source {SOURCE}"
    )


def organisation(index: int, rng: random.Random) -> str:
    form = LEGAL_FORMS[0] if index % 4 == 0 else rng.choice(LEGAL_FORMS)
    ru, en = name(rng)
    kind = "vocational-education-organisation" if form == "ogbpou" else KINDS[form]
    return (
        f"o:org-{index} a org:Organization, org:FormalOrganization, rov:RegisteredOrganization, "
        f"schema:Organization ;\n{labels(f'{ru} {index}', f'{en} {index}')} ;\n"
        f"    org:classification concept:organisation-kind\\/{kind} ;\n"
        f"    rov:orgType concept:legal-form\\/{form} .\n"
    )


def cluster(index: int, members: list[int], rng: random.Random) -> str:
    industry = INDUSTRIES[index % len(INDUSTRIES)]
    ru, en = name(rng)
    lead = members[0]
    parts = [
        f"c:cluster-{index} a cld:EducationIndustryCluster, org:OrganizationalCollaboration, "
        f"org:Organization ;\n"
        f"{labels(f'Кластер {ru} {index}', f'{en} Cluster {index}')} ;\n"
        f"    org:classification concept:industry\\/{industry}, "
        f"concept:organisation-kind\\/education-industry-cluster ;\n"
        f"    cld:industry concept:industry\\/{industry} ;\n"
        f"    cld:leadOrganisation o:org-{lead} ;\n"
        f"    org:hasMember {', '.join(f'o:org-{m}' for m in members)} .\n"
    ]
    for member in members:
        role = "lead" if member == lead else rng.choice(ROLES)
        parts.append(
            f"m:c{index}-o{member} a org:Membership ;\n"
            f"{labels(f'Членство {member} в {index}', f'Membership {member} in {index}')} ;\n"
            f"    org:member o:org-{member} ;\n"
            f"    org:organization c:cluster-{index} ;\n"
            f"    org:role concept:membership-role\\/{role} .\n"
            f"o:org-{member} org:memberOf c:cluster-{index} .\n"
        )
    return "".join(parts)


def generate(folder: Path, triples: int, seed: int = 20210331) -> Path:
    """Write ``generated.ttl`` and the shipped concepts and provenance into ``folder``."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    for shipped in ("concepts.ttl", "provenance.ttl"):
        shutil.copy(ROOT / "data" / shipped, folder / shipped)
    clusters = max(1, triples // TRIPLES_PER_CLUSTER)
    organisations = clusters * 8
    with (folder / "generated.ttl").open("w", encoding="utf-8") as out:
        out.write(PREFIXES)
        for index in range(organisations):
            out.write(organisation(index, rng))
        for index in range(clusters):
            size = rng.randint(9, 17)
            lead = rng.randrange(0, organisations, 4)  # a vocational college leads
            others = rng.sample(range(organisations), size)
            members = [lead, *(m for m in others if m != lead)]
            out.write(cluster(index, members, rng))
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--triples", type=int, default=100_000)
    args = parser.parse_args()
    generate(args.folder, args.triples)
    print(args.folder)


if __name__ == "__main__":
    main()
