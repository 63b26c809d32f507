"""What the common ResultMessageCodes of a processing report mean and how to fix them.

The codes and their meaning are the ones real processing reports used (mws-reference 3.7 and
3.8, and the sandbox's processing, which follows them); any other code gets the generic advice
of ``GENERIC_HELP``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CodeHelp:
    code: str
    title: str
    meaning: str
    fix: str


RESULT_CODES: dict[str, CodeHelp] = {
    c.code: c
    for c in (
        CodeHelp(
            "5000",
            "The document or the message cannot be read",
            "On message 0 the whole file was refused: it is not well-formed XML, declares a "
            "DOCTYPE, or its envelope is unusable. On another message the body is not of the "
            "type the feed type carries. As a warning, the update was skipped because an "
            "earlier feed made the identical one.",
            "Open the file at the line and column the description names and correct it, or "
            "choose the feed type that matches the file's MessageType. A warning needs nothing: "
            "the listing already has those values.",
        ),
        CodeHelp(
            "6024",
            "Not authorized to list this brand",
            "Amazon requires approval to sell the brand of this SKU, and the account has none.",
            "Apply for the brand in Seller Central (Catalog, Add products, Selling application "
            "status), or remove the SKU from the file.",
        ),
        CodeHelp(
            "8026",
            "Not authorized for this category",
            "The product belongs to a category that needs Amazon's approval before listing.",
            "Request approval for the category in Seller Central, or leave the product out.",
        ),
        CodeHelp(
            "8105",
            "A value is malformed or not allowed",
            "A field holds a value outside its rules: a negative quantity, a price of 0 or "
            "less, too many decimals for the currency, a wrong currency, or a word that is not "
            "one of the field's valid values.",
            "Correct the value the description names (it quotes the field and the value) and "
            "send the corrected rows again.",
        ),
        CodeHelp(
            "8541",
            "The data conflicts with Amazon's catalogue",
            "The product id matches an existing ASIN whose title, brand or other attributes "
            "differ from the ones in the file.",
            "Check the product id (UPC, EAN, ISBN); if it is right, send the catalogue's values "
            "or leave those attributes out.",
        ),
        CodeHelp(
            "8560",
            "Not enough data to create the product",
            "The SKU matches no ASIN, so Amazon tried to create one and the attributes it needs "
            "for that (listed in the description) are missing.",
            "Add the missing attributes (often a product id and a title), or give the product "
            "id of the existing ASIN so the SKU is matched to it.",
        ),
        CodeHelp(
            "13013",
            "Unknown SKU",
            "There is no listing with this SKU in the marketplaces the feed addresses; often "
            "the product feed that should have created it failed.",
            "Create the listing first (a product or listing-loader feed), check the SKU's "
            "spelling and the marketplaces ticked, then send the update again.",
        ),
        CodeHelp(
            "18021",
            "Quantity larger than ordered",
            "An order fulfillment or adjustment names more units than the order item has.",
            "Use the quantity of the order item (see the order report) and send the row again.",
        ),
        CodeHelp(
            "99001",
            "A required value is missing",
            "A field that every record of this type must have is empty or absent; the "
            "description names it.",
            "Fill in the named field for that record and send the corrected rows again.",
        ),
    )
}

GENERIC_HELP = CodeHelp(
    "",
    "Other codes",
    "Amazon gives each problem a number and a description; the description is the part to "
    "read, and it names the field, SKU or line concerned.",
    "Correct what the description names in the file, download the failed rows or the original "
    "from the feed's page, and resubmit it with the same feed type and marketplaces. If the "
    "description does not say enough, Seller Central's Help searched for the code explains it.",
)


def code_help(code: str) -> CodeHelp:
    """The explanation of ``code``, the generic one for codes not in the table."""
    return RESULT_CODES.get(code.strip(), GENERIC_HELP)


def code_anchor(code: str) -> str:
    """The fragment of the codes page that explains ``code``."""
    known = code.strip() in RESULT_CODES
    return f"code-{code.strip()}" if known else "other-codes"
