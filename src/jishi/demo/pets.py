"""The demo's pet market, built through the pets services: two breeders with litters whose health,
vaccination, deworming and pedigree records are in the transparency log under signed checkpoints, a private
seller rehoming a cat, a kitten sold and on its way to the demo buyer, and an open transit claim."""

from __future__ import annotations

import datetime as dt
import io
import random
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.utils import timezone
from PIL import Image, ImageDraw

from jishi.accounts import services as accounts
from jishi.catalog import services as catalog
from jishi.checkout import services as checkout
from jishi.core.money import CURRENCY, Money
from jishi.merchants import services as merchants
from jishi.merchants.models import QualificationKind
from jishi.orders import services as orders
from jishi.pets import selectors, services
from jishi.pets.models import Breed, Pet, PetSale
from jishi.shipping import services as shipping

if TYPE_CHECKING:
    from jishi.demo.loader import DemoLoader


@dataclass(frozen=True)
class Litter:
    breed: str
    colours: tuple[str, ...]
    weeks: int
    price: str
    dam: str
    sire: str


CATTERY = ("云朵布偶猫舍", "苏州", 31.2989, 120.5853, "13800000010", "苏州吴中区家庭式猫舍，CFA 注册，布偶与英短。")
KENNEL_PLACE = ("成都", 30.6586, 104.0648)
CAT_LITTERS = (
    Litter("布偶猫", ("海双色", "蓝双色", "海山猫", "蓝重点色"), 12, "4800.00", "奶糖", "可乐"),
    Litter("英国短毛猫", ("银渐层", "蓝白"), 14, "3200.00", "团子", "豆豆"),
)
DOG_LITTERS = (
    Litter("金毛寻回犬", ("浅金", "深金", "浅金"), 10, "3800.00", "妞妞", "旺财"),
    Litter("拉布拉多寻回犬", ("黑色", "奶油色"), 11, "3500.00", "可可", "大黄"),
)


def pet_picture(name: str, colour: tuple[int, int, int], seed: int, *, dog: bool, font: Any) -> bytes:
    """A drawn portrait (the demo has no photographs): a cat's or a dog's face in the coat's colour, with a name."""
    rng = random.Random(seed)
    backdrop = tuple(min(255, 200 + rng.randint(0, 50)) for _ in range(3))
    image = Image.new("RGB", (600, 600), backdrop)
    draw = ImageDraw.Draw(image)
    if dog:
        draw.ellipse((120, 170, 220, 400), fill=tuple(max(0, c - 40) for c in colour))  # floppy ears
        draw.ellipse((380, 170, 480, 400), fill=tuple(max(0, c - 40) for c in colour))
    else:
        draw.polygon(((170, 110), (150, 280), (270, 200)), fill=colour)  # pointed ears
        draw.polygon(((430, 110), (450, 280), (330, 200)), fill=colour)
    draw.ellipse((150, 150, 450, 470), fill=colour)
    for x in (240, 360):
        draw.ellipse((x - 26, 270, x + 26, 322), fill=(255, 255, 255))
        draw.ellipse((x - 14, 282, x + 14, 318), fill=(40, 60, 110) if not dog else (60, 40, 20))
    draw.ellipse((278, 350, 322, 382), fill=(60, 40, 40))
    draw.rounded_rectangle((150, 500, 450, 570), radius=30, fill=(255, 255, 255))
    draw.text((300, 535), name, fill=(60, 60, 60), font=font, anchor="mm")
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


def certificate(title: str, lines: list[str], font: Any) -> bytes:
    """A drawn page of a vaccination booklet or a certificate (the documents behind the logged records)."""
    image = Image.new("RGB", (800, 560), (252, 250, 240))
    draw = ImageDraw.Draw(image)
    draw.rectangle((20, 20, 780, 540), outline=(120, 90, 60), width=4)
    draw.text((400, 70), title, fill=(120, 40, 30), font=font, anchor="mm")
    for i, line in enumerate(lines):
        draw.text((70, 140 + i * 56), line, fill=(40, 40, 40), font=font)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


COATS = {"海双色": (150, 120, 95), "蓝双色": (140, 150, 170), "海山猫": (170, 140, 110), "蓝重点色": (190, 195, 210),
         "银渐层": (200, 200, 205), "蓝白": (150, 160, 180), "浅金": (235, 200, 130), "深金": (200, 150, 70),
         "黑色": (50, 50, 50), "奶油色": (240, 225, 190), "橘白": (230, 160, 80)}  # fmt: skip


class PetsDemo:
    def __init__(self, loader: DemoLoader, font: Any) -> None:
        self.loader = loader
        self.font = font
        self.today = timezone.localdate()
        self.seed = 0
        self.chips = 0
        self.report_counts: dict[str, int] = {}

    def load(self) -> None:
        self._fresh_export()
        cattery = self._cattery()
        kennel = self.loader.owners["金毛犬舍"]
        cats = [pet for litter in CAT_LITTERS for pet in self._litter(cattery, litter, CATTERY[1:4], "cat")]
        services.checkpoint_sign()  # the first signed checkpoint: the cattery's records
        dogs = [pet for litter in DOG_LITTERS for pet in self._litter(kennel, litter, KENNEL_PLACE, "dog")]
        self._rehoming()
        services.checkpoint_sign()  # the log grew: a second checkpoint, consistent with the first
        self._sold_in_transit(cattery, cats[0])
        self._transit_claim(cattery, cats[4])
        self.report_counts = {"cats": len(cats), "dogs": len(dogs)}

    def _fresh_export(self) -> None:
        """A new demo database starts a new log: an export left by an earlier one is kept aside, not appended to
        (its checkpoints are another history)."""
        path = settings.JISHI_PET_LOG_EXPORT
        if path.exists() and not selectors.log_size():
            path.rename(path.with_name(f"{path.stem}.{timezone.now():%Y%m%d%H%M%S}.old{path.suffix}"))

    def _cattery(self) -> Any:
        name, city, _lat, _lng, phone, description = CATTERY
        owner = self.loader._user(label=f"merchant owner · {name}", phone=phone, display_name=f"{name}主理人")
        merchants.merchant_create(
            actor=self.loader.reviewer, name=name, kind="breeder", owner=owner, description=description, city=city
        )
        owner.refresh_from_db()
        merchants.qualification_add(
            actor=owner,
            data=merchants.QualificationInput(
                kind=QualificationKind.ANIMAL_BUSINESS_PERMIT,
                number="(苏)动防合字第320506001号",
                authority="苏州市吴中区农业农村局",
                expires_on=self.today + dt.timedelta(days=500),
            ),
        )
        cny = Money.parse("30.00", CURRENCY)
        shipping.fee_template_set(
            actor=owner,
            data=shipping.TemplateInput(
                basis="item", rules=[shipping.RuleInput(provinces=[], first_fee=cny, extra_fee=cny)]
            ),
        )
        return owner

    def _microchip(self) -> str:
        self.chips += 1
        return f"156098{self.chips:09d}"  # 156: China's ISO 3166 code, as ISO 11784 country chips start

    def _picture(self, name: str, colour: str, *, dog: bool) -> bytes:
        self.seed += 1
        return pet_picture(name, COATS.get(colour, (200, 180, 150)), self.seed, dog=dog, font=self.font)

    def _litter(self, owner: Any, litter: Litter, place: tuple[str, float, float], species: str) -> list[Pet]:
        breed = Breed.objects.get(name=litter.breed)
        born = self.today - dt.timedelta(weeks=litter.weeks, days=2)
        dog = species == "dog"
        pets = []
        for index, colour in enumerate(litter.colours):
            sex = "male" if index % 2 == 0 else "female"
            pet = services.pet_create(
                actor=owner,
                data=services.PetInput(
                    breed_id=breed.pk,
                    sex=sex,
                    birth_date=born,
                    price=Money.parse(litter.price, CURRENCY),
                    title=f"{litter.breed} {colour} {'弟弟' if sex == 'male' else '妹妹'} 已打疫苗 可视频看",
                    description=(
                        f"{litter.dam}（母）× {litter.sire}（父）的宝宝，家庭散养，亲人不怕生。"
                        "疫苗和驱虫记录都在平台可查。"
                    ),
                    city=place[0],
                    latitude=place[1] + index * 0.002,
                    longitude=place[2] + index * 0.002,
                    colour=colour,
                    microchip=self._microchip(),
                    vaccinated=True,
                    dewormed=True,
                    sire=litter.sire,
                    dam=litter.dam,
                    by_collection=True,
                    by_pet_courier=True,
                    by_air_cargo=dog,
                    illnesses_covered="犬细小、犬瘟热" if dog else "猫瘟、猫传腹",
                ),
            )
            for look in (colour, f"{colour} 侧面"):
                catalog.image_add(actor=owner, product_id=pet.product_id, data=self._picture(look, colour, dog=dog))
            mother = catalog.image_add(
                actor=owner, product_id=pet.product_id, data=self._picture(f"和妈妈{litter.dam}", colour, dog=dog)
            )
            services.pet_mother_photo_set(actor=owner, pet_id=pet.pk, image_id=mother.pk)
            self._records(owner, pet, born, dog)
            services.pet_submit(actor=owner, pet_id=pet.pk)
            catalog.product_approve(actor=self.loader.reviewer, product_id=pet.product_id)
            pets.append(pet)
        return pets

    def _records(self, owner: Any, pet: Pet, born: dt.date, dog: bool) -> None:
        clinic = "瑞鹏宠物医院（吴中店）" if not dog else "新瑞鹏宠物医院（武侯店）"
        vaccine = "卫佳捌 犬八联" if dog else "妙三多 猫三联"
        doses = [born + dt.timedelta(weeks=8), born + dt.timedelta(weeks=11)]
        for number, day in enumerate(d for d in doses if d <= self.today):
            fields = {"vaccine": vaccine, "batch": f"{'DHP' if dog else 'FVRCP'}2026{pet.pk:03d}{number}",
                      "date": day.isoformat(), "clinic": clinic, "vet": "刘医生"}  # fmt: skip
            document = certificate("疫苗接种记录", [f"{k}: {v}" for k, v in fields.items()], self.font)
            record = services.record_add(
                actor=owner, pet_id=pet.pk, kind="vaccination", fields=fields, document=document
            )
            if number == 0 and pet.pk % 3 == 0:  # a batch number typed wrong, corrected: both stay in the log
                services.record_correct(
                    actor=owner, record_id=record.pk, fields=fields | {"batch": f"{fields['batch']}A"}
                )
        deworming = {"product": "大宠爱" if not dog else "超可信", "date": (born + dt.timedelta(weeks=6)).isoformat(),
                     "scope": "both"}  # fmt: skip
        services.record_add(
            actor=owner,
            pet_id=pet.pk,
            kind="deworming",
            fields=deworming,
            document=certificate("驱虫记录", [f"{k}: {v}" for k, v in deworming.items()], self.font),
        )
        check = {"date": (self.today - dt.timedelta(days=3)).isoformat(), "clinic": clinic, "vet": "刘医生",
                 "result": "精神好，食欲正常，心肺听诊无异常", "weight_grams": 1400 if not dog else 5200}  # fmt: skip
        services.record_add(
            actor=owner,
            pet_id=pet.pk,
            kind="health_check",
            fields=check,
            document=certificate("体检报告", [f"{k}: {v}" for k, v in check.items()], self.font),
        )
        if pet.pk % 2:
            pedigree = {"registry": "CFA" if not dog else "CKU", "certificate_number": f"PED-2026-{pet.pk:05d}",
                        "sire": pet.sire, "dam": pet.dam}  # fmt: skip
            services.record_add(
                actor=owner,
                pet_id=pet.pk,
                kind="pedigree",
                fields=pedigree,
                document=certificate("血统证书", [f"{k}: {v}" for k, v in pedigree.items()], self.font),
            )

    def _rehoming(self) -> None:
        """A private person rehoming her own neutered adult cat (个人送养)."""
        person = self.loader._user(label="private seller (个人送养)", phone="13800000011", display_name="周女士")
        from jishi.demo.loader import valid_id_number

        verification = accounts.kyc_submit(actor=person, real_name="周晓雯", id_number=valid_id_number(60))
        accounts.kyc_approve(actor=self.loader.reviewer, verification_id=verification.pk)
        merchants.merchant_create(actor=self.loader.reviewer, name="周女士的小窝", kind="individual", owner=person)
        person.refresh_from_db()
        pet = services.pet_create(
            actor=person,
            data=services.PetInput(
                breed_id=Breed.objects.get(name="中华田园猫").pk,
                sex="female",
                birth_date=self.today - dt.timedelta(days=730),
                price=Money.parse("200.00", CURRENCY),
                title="橘白田园猫 两岁 已绝育 因搬家送养（象征性收费）",
                description="性格温顺，会用猫砂，疫苗齐全。要求接猫人签领养协议，定期回访。",
                city="杭州",
                latitude=30.2741,
                longitude=120.1551,
                name="橘子",
                colour="橘白",
                vaccinated=True,
                dewormed=True,
                neutered=True,
                by_collection=True,
                transit_guarantee_hours=0,
                illness_guarantee_days=3,
            ),
        )
        catalog.image_add(actor=person, product_id=pet.product_id, data=self._picture("橘子", "橘白", dog=False))
        services.pet_submit(actor=person, pet_id=pet.pk)
        catalog.product_approve(actor=self.loader.reviewer, product_id=pet.product_id)

    def _buy(self, buyer: Any, address_id: int, pet: Pet) -> PetSale:
        sku = pet.product.skus.get()
        self.loader._place_and_pay(buyer, address_id, checkout.BuyNow(sku_id=sku.pk, quantity=1))
        return PetSale.objects.select_related("order").get(pet=pet)

    def _sold_in_transit(self, owner: Any, pet: Pet) -> None:
        """The demo buyer bought this one: its certificate is in, it is with the pet courier, half way."""
        buyer = self.loader.buyer
        sale = self._buy(buyer, buyer.addresses.order_by("pk").values_list("pk", flat=True)[0], pet)
        self._send(owner, sale, ("苏州 宠物托运站", "南京 中转站"))

    def _send(self, owner: Any, sale: PetSale, places: tuple[str, ...]) -> None:
        document = certificate("动物检疫合格证明", ["动物种类: 犬猫", "数量: 1", "检疫结论: 合格"], self.font)
        services.quarantine_upload(actor=owner, sale_id=sale.pk, number=f"32{sale.pk:08d}", document=document)
        orders.order_ship(
            actor=owner, order_number=sale.order.number, carrier="宠物托运", tracking_number=f"PT{sale.pk:08d}"
        )
        now = timezone.now()
        kinds = ("handed_over", *["checkpoint"] * (len(places) - 1))
        for hours, (kind, place) in zip((14, 6, 2), zip(kinds, places, strict=True), strict=False):
            services.transit_event_add(
                actor=owner, sale_id=sale.pk, kind=kind, at=now - dt.timedelta(hours=hours), place=place
            )

    def _transit_claim(self, owner: Any, pet: Pet) -> None:
        """A regular customer's kitten arrived limping yesterday: the claim waits for the cattery's answer."""
        buyer, address_id = self.loader.regulars[30]
        sale = self._buy(buyer, address_id, pet)
        self._send(owner, sale, ("苏州 宠物托运站", "上海 中转站"))
        services.transit_event_add(
            actor=owner,
            sale_id=sale.pk,
            kind="arrived",
            at=timezone.now() - dt.timedelta(hours=1),
            place="上海 浦东 提货点",
        )
        limping = self._picture("右前腿", "蓝白", dog=False)
        services.arrival_confirm(
            actor=buyer, sale_id=sale.pk, condition="unwell", note="右前腿不敢着地", photos=[limping]
        )
        report = certificate("宠物医院诊断", ["右前肢软组织挫伤", "建议: 限制活动 7 天", "医生: 陈医生"], self.font)
        services.claim_file(
            actor=buyer,
            sale_id=sale.pk,
            kind="transit_injury",
            description="到货时右前腿跛行，医院诊断为运输中挫伤，申请补偿诊疗费",
            amount=Money.parse("600.00", CURRENCY),
            evidence=[limping, report],
        )
