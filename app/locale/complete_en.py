"""Fill the English catalog: msgids are English, so each missing msgstr is its msgid."""

from pathlib import Path

from babel.messages.pofile import read_po, write_po

PO = Path(__file__).parent / "en" / "LC_MESSAGES" / "messages.po"


def main() -> None:
    with PO.open("rb") as source:
        catalog = read_po(source, locale="en")
    for message in catalog:
        if not message.id:
            continue
        if isinstance(message.id, tuple):
            if not all(message.string or ()):
                message.string = (message.id[0], message.id[1])
        elif not message.string:
            message.string = message.id
        message.flags.discard("fuzzy")
    with PO.open("wb") as target:
        write_po(target, catalog, width=100, omit_header=False, sort_output=True)


if __name__ == "__main__":
    main()
