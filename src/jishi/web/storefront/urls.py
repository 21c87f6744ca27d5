"""The storefront: home, search, category and product pages anyone may see."""

from django.urls import path

from jishi.web.storefront import community, invite, legal, pets, product_reviews, shop, views

app_name = "storefront"
urlpatterns = [
    path("", views.home, name="home"),
    path("search/", views.search, name="search"),
    path("search/suggest/", views.search_suggest, name="search_suggest"),
    path("categories/", views.categories, name="categories"),
    path("c/<slug:slug>/", views.search, name="category"),
    path("p/<int:product_id>/", views.product_detail, name="product"),
    path("shop/<int:merchant_id>/", shop.shop, name="shop"),
    path("p/<int:product_id>/reviews/", product_reviews.product_reviews, name="product_reviews"),
    path("flash/", views.flash_sales, name="flash"),
    path("groups/<int:team_id>/", views.group_detail, name="group"),
    path("community/", community.community_home, name="community"),
    path("community/points/", community.community_points, name="community_points"),
    path("community/points/<int:point_id>/choose/", community.community_point_choose, name="community_point_choose"),
    # a group leader's share link: community.selectors.share_path writes it
    path("community/share/<int:campaign_id>/<int:leader_id>/", community.community_share, name="community_share"),
    path("coupons/", views.coupon_centre, name="coupons"),
    # a member's invite link: loyalty.selectors.invite_path writes it
    path("invite/<str:code>/", invite.invite_landing, name="invite"),
    path("pets/", pets.pet_search, name="pets"),
    path("pets/<int:pet_id>/verify/", pets.pet_verify, name="pet_verify"),
    path("pets/records/<int:record_id>/proof.json", pets.pet_record_proof, name="pet_record_proof"),
    path("pets/verifier.py", pets.pet_verifier, name="pet_verifier"),
    path("pets/checkpoint.txt", pets.pet_checkpoint, name="pet_checkpoint"),
    path("terms/", legal.terms, name="terms"),
    path("privacy/", legal.privacy, name="privacy"),
]
