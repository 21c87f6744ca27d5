"""Masking personal data for display."""


def mask_phone(phone: str) -> str:
    """``13812341234`` → ``138****1234``."""
    if len(phone) < 7:
        return "*" * len(phone)
    return f"{phone[:3]}{'*' * (len(phone) - 7)}{phone[-4:]}"


def mask_id_number(number: str) -> str:
    """``110101199003071234`` → ``110101********1234``."""
    if len(number) < 10:
        return "*" * len(number)
    return f"{number[:6]}{'*' * (len(number) - 10)}{number[-4:]}"


def mask_email(email: str) -> str:
    """``alice@example.com`` → ``a***e@example.com``."""
    local, at, domain = email.partition("@")
    if not at:
        return mask_phone(email)
    if len(local) <= 2:
        return f"{local[:1]}***@{domain}"
    return f"{local[0]}***{local[-1]}@{domain}"
