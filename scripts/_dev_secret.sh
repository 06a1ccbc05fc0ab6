# Sourced by scripts/run and scripts/manage after _venv.sh (from the checkout's root). The
# server refuses to start without a strong SECRET_KEY: on a development checkout with none set,
# make one for this checkout, once, and keep it in .dev-secret-key (git ignores it), so that
# visitor pseudonyms and signed-in sessions stay valid across restarts and both scripts agree.
# The container image (NO_VENV=1) never makes one: production sets SECRET_KEY, or is refused.
if [ -z "${SECRET_KEY:-}" ] && [ "${NO_VENV:-}" != 1 ]; then
  [ -s .dev-secret-key ] || python -c 'import secrets; print(secrets.token_urlsafe(50))' >.dev-secret-key
  SECRET_KEY=$(cat .dev-secret-key)
  export SECRET_KEY
fi
